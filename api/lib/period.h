#ifndef ZSZ_PERIOD_H
#define ZSZ_PERIOD_H
/* Reporting periods of indicators and reviews: "2026-03" (monthly), "2026-Q1" (quarterly),
 * "2026-H1" (half-yearly), "2026" (yearly). Pure. */

/* 1 when frequency ("monthly", "quarterly", "half_yearly", "yearly") is known. */
int frequency_valid(const char *frequency);

/* 0 when period has the shape of frequency and lies in year; otherwise -1. */
int period_valid(const char *frequency, int year, const char *period);

/* 1 when period is a review half-year "YYYY-H1" or "YYYY-H2" with 2000 <= YYYY <= 2100. */
int review_period_valid(const char *period);

#endif
