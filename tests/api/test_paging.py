"""Keyset paging: every row exactly once and in order, the Link header, signed cursors, and
stability while rows are inserted between page fetches."""

from .client import (ApiTest, api, create_org_unit, create_process, employee, parse_link_next,
                     uniq, with_query)

PROCESSES = "/api/v1/processes"


def flip(s, i):
    """s with the character at i replaced by a different base64url character."""
    c = s[i]
    repl = "A" if c != "A" else "B"
    return s[:i] + repl + s[i + 1:]


class PagingTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.tag = uniq("pg")
        # fixed-width numbers: every collation orders these names the same way
        cls.rows = [create_process(name=f"Stronicowanie {cls.tag} {2 * i + 10:03d}")
                    for i in range(25)]
        cls.want = [p["id"] for p in cls.rows]  # created in name order

    def _pages(self, sort="name", limit=7, follow_link=False):
        """All pages for q=tag; returns the list of pages (each a list of items)."""
        path = with_query(PROCESSES, q=self.tag, sort=sort, limit=limit)
        pages = []
        for _ in range(50):
            r = api("GET", path, employee())
            body = self.assertList(r)
            pages.append(body["items"])
            link = parse_link_next(r.headers.get("Link"))
            if body["next_cursor"] is None:
                self.assertIsNone(link, f"Link rel=next without next_cursor: {r.headers.items()}")
                return pages
            self.assertIsNotNone(link, f"no Link rel=next although next_cursor: {r.describe()}")
            if follow_link:
                path = link
            else:
                path = with_query(PROCESSES, q=self.tag, sort=sort, limit=limit,
                                  cursor=body["next_cursor"])
        self.fail("paging does not end")

    def test_every_row_once_in_order(self):
        pages = self._pages()
        self.assertEqual([len(p) for p in pages], [7, 7, 7, 4])
        ids = [p["id"] for page in pages for p in page]
        self.assertEqual(ids, self.want)

    def test_following_link_header(self):
        pages = self._pages(follow_link=True)
        ids = [p["id"] for page in pages for p in page]
        self.assertEqual(ids, self.want)

    def test_link_header_names_next_page(self):
        r = api("GET", with_query(PROCESSES, q=self.tag, sort="name", limit=7), employee())
        body = self.assertList(r)
        link = r.headers.get("Link", "")
        self.assertRegex(link, r'^<[^>]+>;\s*rel="next"$')
        self.assertIn("cursor=", link)
        target = parse_link_next(link)
        self.assertTrue(target.startswith(PROCESSES + "?"), target)
        r2 = api("GET", target, employee())
        body2 = self.assertList(r2)
        self.assertEqual([p["id"] for p in body2["items"]], self.want[7:14])
        self.assertNotEqual(body2["items"], body["items"])

    def test_descending_order(self):
        pages = self._pages(sort="-name")
        ids = [p["id"] for page in pages for p in page]
        self.assertEqual(ids, list(reversed(self.want)))

    def test_default_sort_every_row_once(self):
        path = with_query(PROCESSES, q=self.tag, limit=7)
        seen = []
        for _ in range(20):
            body = self.assertList(api("GET", path, employee()))
            seen.extend(p["id"] for p in body["items"])
            if not body["next_cursor"]:
                break
            path = with_query(PROCESSES, q=self.tag, limit=7, cursor=body["next_cursor"])
        self.assertEqual(len(seen), len(set(seen)), "a row came twice")
        self.assertEqual(sorted(seen), sorted(self.want))

    def test_last_page_exact_fit(self):
        body = self.assertList(api("GET", with_query(PROCESSES, q=self.tag, sort="name",
                                                     limit=25), employee()))
        self.assertEqual([p["id"] for p in body["items"]], self.want)
        # a next_cursor on an exactly full page is allowed, but it must lead to an empty page
        if body["next_cursor"]:
            r = api("GET", with_query(PROCESSES, q=self.tag, sort="name", limit=25,
                                      cursor=body["next_cursor"]), employee())
            last = self.assertList(r)
            self.assertEqual(last["items"], [])
            self.assertIsNone(last["next_cursor"])

    def _cursor(self, sort="name"):
        body = self.assertList(api("GET", with_query(PROCESSES, q=self.tag, sort=sort, limit=7),
                                   employee()))
        self.assertTrue(body["next_cursor"])
        return body["next_cursor"]

    def test_tampered_cursor_is_400(self):
        cursor = self._cursor()
        dot = cursor.find(".")
        # first characters of the payload and of the MAC: every bit of them is significant
        positions = [0, 1, 2] + ([dot + 1, dot + 2] if dot > 0 else [len(cursor) // 2])
        for i in positions:
            with self.subTest(position=i):
                bad = flip(cursor, i)
                r = api("GET", with_query(PROCESSES, q=self.tag, sort="name", limit=7, cursor=bad),
                        employee())
                self.assertProblem(r, 400, "invalid-cursor", field="cursor")

    def test_random_cursor_is_400(self):
        for bad in ("notacursor", "eyJ4IjoxfQ.AAAAAAAAAAAAAAAAAAAAAA", ".", "a" * 3000, "%00"):
            with self.subTest(cursor=bad[:20]):
                r = api("GET", with_query(PROCESSES, q=self.tag, sort="name", cursor=bad),
                        employee())
                self.assertStatus(r, 400)
                self.assertIn(r.body.get("type", "").rsplit("/", 1)[-1],
                              ("invalid-cursor", "invalid-parameter"), r.describe())
                self.assertProblem(r, 400, r.body["type"].rsplit("/", 1)[-1], field="cursor")

    def test_cursor_for_another_sort_is_400(self):
        cursor = self._cursor(sort="name")
        r = api("GET", with_query(PROCESSES, q=self.tag, sort="-code", limit=7, cursor=cursor),
                employee())
        self.assertProblem(r, 400, "invalid-cursor", field="cursor")

    def test_cursor_of_another_resource_is_400(self):
        tag = uniq("ou")
        for _ in range(3):
            create_org_unit(name=f"Jednostka {tag}")
        body = self.assertList(api("GET", with_query("/api/v1/org-units", q=tag, limit=1),
                                   employee()))
        self.assertTrue(body["next_cursor"])
        r = api("GET", with_query(PROCESSES, q=self.tag, sort="name",
                                  cursor=body["next_cursor"]), employee())
        self.assertProblem(r, 400, "invalid-cursor", field="cursor")


class PagingWhileInsertingTest(ApiTest):
    def test_inserts_between_pages_lose_and_repeat_nothing(self):
        tag = uniq("pgi")
        name = lambda n: f"Wstawianie {tag} {n:03d}"  # noqa: E731
        originals = [create_process(name=name(10 + 4 * i)) for i in range(25)]  # 10..106
        original_ids = [p["id"] for p in originals]

        def page(cursor=None):
            r = api("GET", with_query(PROCESSES, q=tag, sort="name", limit=7, cursor=cursor),
                    employee())
            return self.assertList(r)

        body = page()
        seen = [p["id"] for p in body["items"]]  # names 010..034
        # rows sorting before the cursor (already passed) and after it (still to come)
        before = [create_process(name=name(n)) for n in (11, 21, 33)]
        after = [create_process(name=name(n)) for n in (35, 61, 107)]
        pages = 1
        while body["next_cursor"]:
            body = page(body["next_cursor"])
            seen.extend(p["id"] for p in body["items"])
            pages += 1
            if pages == 3:  # and more while the reader is in the middle
                after.append(create_process(name=name(105)))
                before.append(create_process(name=name(12)))
            self.assertLess(pages, 20)
        self.assertEqual(len(seen), len(set(seen)), "a row came twice")
        self.assertEqual([i for i in seen if i in original_ids], original_ids,
                         "every original row exactly once, in order")
        for p in after:
            self.assertIn(p["id"], seen, f"{p['name']} sorts after the cursor: keyset shows it")
        for p in before:
            self.assertNotIn(p["id"], seen, f"{p['name']} sorts before the cursor")
