# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json
from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import PUBLIC_HOST, PactHttpCase


@tagged("post_install", "-at_install")
class TestPactAuth(PactHttpCase):
    def test_token_basic_auth(self):
        response = self.token_response(self.client.client_id, self.secret)
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 3600)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        # only the token's hash is stored
        stored = self.env["scope3.pact.token"].search([("client_id", "=", self.client.id)])
        self.assertEqual(len(stored), 1)
        self.assertNotEqual(stored.token_hash, body["access_token"])
        self.assertNotIn(body["access_token"], json.dumps(stored.read()[0], default=str))

    def test_token_form_credentials(self):
        response = self.opener.post(
            self.base_url() + "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client.client_id,
                "client_secret": self.secret,
            },
            headers=self.headers(),
            timeout=20,
        )
        self.assertEqual(response.status_code, 200, response.text)

    def test_secret_is_hashed(self):
        action = self.client.action_generate_secret()
        message = action["params"]["message"]
        secret = message.split("Secret: ")[1].split()[0]
        self.assertEqual(self.token_response(self.client.client_id, secret).status_code, 200)
        # the old secret no longer works; the new one is nowhere in the database
        self.assertEqual(self.token_response(self.client.client_id, self.secret).status_code, 401)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT count(*) FROM scope3_pact_client WHERE secret_hash LIKE %s", [f"%{secret}%"]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        stored = self.client.sudo().secret_hash
        self.assertTrue(stored.startswith("$pbkdf2-sha512$"))
        self.assertNotIn(secret, stored)
        # only administrators may read the hash; a Carbon Manager does not see it
        manager = new_test_user(
            self.env, login="pact_mgr", groups="base.group_user,scope3_carbon.group_scope3_manager"
        )
        self.assertNotIn("secret_hash", self.client.with_user(manager).fields_get())
        self.assertTrue(self.client.with_user(manager).secret_set)

    def test_token_refused(self):
        cases = [
            (self.client.client_id, "wrong-secret", 401, "invalid_client"),
            ("unknown-client", self.secret, 401, "invalid_client"),
            (self.other_client.client_id, self.secret, 401, "invalid_client"),
        ]
        for client_id, secret, status, error in cases:
            response = self.token_response(client_id, secret)
            self.assertEqual(response.status_code, status, (client_id, response.text))
            self.assertEqual(response.json()["error"], error)
            self.assertNotIn("access_token", response.json())
        # wrong grant type
        response = self.token_response(
            self.client.client_id, self.secret, data={"grant_type": "password"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "unsupported_grant_type")
        # wrong content type (JSON body)
        response = self.opener.post(
            self.base_url() + "/auth/token",
            data=json.dumps({"grant_type": "client_credentials"}),
            headers=self.headers(
                **{
                    "Content-Type": "application/json",
                    "Authorization": "Basic "
                    + base64.b64encode(f"{self.client.client_id}:{self.secret}".encode()).decode(),
                }
            ),
            timeout=20,
        )
        self.assertEqual(response.status_code, 400)
        # malformed Basic header
        response = self.opener.post(
            self.base_url() + "/auth/token",
            data={"grant_type": "client_credentials"},
            headers=self.headers(Authorization="Basic %%%not-base64"),
            timeout=20,
        )
        self.assertEqual(response.status_code, 401)

    def test_plain_http_refused(self):
        """Without the proxy's X-Forwarded-Proto: https, nothing is served."""
        response = self.token_response(self.client.client_id, self.secret, https=False)
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("access_token", response.text)
        token = self.token()
        self.make_footprint()
        for path in ("/3/footprints", "/3/footprints/00000000-0000-0000-0000-000000000000"):
            response = self.get(path, token, https=False)
            self.assertEqual(response.status_code, 403, path)
            self.assertNotIn("data", response.json())
        response = self.opener.post(
            self.base_url() + "/3/events",
            data="{}",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/cloudevents+json",
            },
            timeout=20,
        )
        self.assertEqual(response.status_code, 403)

    def test_invalid_tokens(self):
        footprint = self.make_footprint()
        token = self.token()
        expired = self.token()
        self.env["scope3.pact.token"].search([], limit=1, order="id desc").write(
            {"expires_at": fields.Datetime.now() - timedelta(seconds=1)}
        )
        for path in ("/3/footprints", f"/3/footprints/{footprint.pf_uuid}"):
            forged = self.get(path, token + "x")
            self.assertEqual(forged.status_code, 401)
            self.assertEqual(forged.json()["code"], "BadRequest")
            late = self.get(path, expired)
            self.assertEqual(late.status_code, 401)
            self.assertEqual(late.json()["code"], "TokenExpired")
            missing = self.opener.get(self.base_url() + path, headers=self.headers(), timeout=20)
            self.assertEqual(missing.status_code, 401)
            self.assertEqual(self.get(path, token).status_code, 200)
        # an archived client's tokens stop working
        self.client.active = False
        self.assertEqual(self.get("/3/footprints", token).status_code, 401)


@tagged("post_install", "-at_install")
class TestPactFootprints(PactHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.footprints = cls.env["scope3.product.footprint"]
        for i in range(5):
            cls.footprints |= cls.make_footprint(
                product_urns=f"urn:gtin:400000000000{i}\nurn:pact:example.com:product:{i}",
                geography_country="DE" if i % 2 else "FR",
                classification_urns=f"urn:pact:cpc:{4290 + i}",
                validity_start=f"202{i}-01-01 00:00:00",
                validity_end=f"202{i + 2}-12-31 00:00:00",
            )
        cls.hidden = cls.make_footprint(company=cls.other_company)
        cls.draft = cls.make_footprint(approve=False, product_urns="urn:gtin:4999999999999")

    def ids(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        return [pf["id"] for pf in response.json()["data"]]

    def test_list_and_get(self):
        token = self.token()
        response = self.get("/3/footprints", token)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(self.ids(response), self.footprints.mapped("pf_uuid"))
        self.assertNotIn("Link", response.headers)
        pf = response.json()["data"][0]
        self.assertEqual(pf["specVersion"], "3.0.0")
        self.assertEqual(pf["status"], "Active")
        self.assertEqual(pf["companyIds"], ["urn:uuid:11111111-2222-4333-8444-555555555555"])
        self.assertEqual(pf["pcf"]["pcfExcludingBiogenicUptake"], "2.5")
        self.assertEqual(pf["pcf"]["declaredUnitOfMeasurement"], "kilogram")
        self.assertEqual(pf["pcf"]["dqi"]["temporalDQR"], "1.5")
        self.assertEqual(pf["validityPeriodStart"], "2020-01-01T00:00:00Z")
        one = self.get(f"/3/footprints/{pf['id']}", token)
        self.assertEqual(one.status_code, 200)
        self.assertEqual(one.json()["data"], pf)

    def test_pagination_links_absolute(self):
        token = self.token()
        response = self.get("/3/footprints?limit=2&geography=DE&geography=FR", token)
        self.assertEqual(len(self.ids(response)), 2)
        links = response.links
        self.assertEqual(
            links["next"]["url"],
            f"https://{PUBLIC_HOST}/3/footprints?geography=DE&geography=FR&limit=2&offset=2",
        )
        self.assertIn("offset=4", links["last"]["url"])
        seen = []
        url = "/3/footprints?limit=2"
        while url:
            response = self.get(url, token)
            page = self.ids(response)
            self.assertLessEqual(len(page), 2)
            seen += page
            nxt = response.links.get("next", {}).get("url")
            url = nxt and nxt.replace(f"https://{PUBLIC_HOST}", "")
        self.assertEqual(seen, self.footprints.mapped("pf_uuid"))

    def test_filters(self):
        token = self.token()
        fp = self.footprints
        cases = {
            "productId=URN:GTIN:4000000000003": fp[3],
            "productId=urn:pact:example.com:product:1&productId=urn:gtin:4000000000004": fp[1]
            | fp[4],
            "productId=urn:gtin:400000000000_": fp.browse(),  # no LIKE wildcard
            "companyId=urn:uuid:11111111-2222-4333-8444-555555555555": fp,
            "companyId=urn:uuid:99999999-2222-4333-8444-555555555555": fp.browse(),
            "geography=de": fp[1] | fp[3],
            "classification=urn:pact:cpc:4292": fp[2],
            "validOn=2022-06-01T00:00:00Z": fp[0] | fp[1] | fp[2],
            "validAfter=2022-01-01T00:00:00Z": fp[3] | fp[4],
            "validBefore=2024-12-30T00:00:00Z": fp[0] | fp[1],
            "status=Active": fp,
            "status=Deprecated": fp.browse(),
            "status=Bogus": fp.browse(),
            "status=active&geography=FR&productId=urn:gtin:4000000000002": fp[2],
            "x-acme-invoice=12": fp,
        }
        for query, expected in cases.items():
            self.assertEqual(
                self.ids(self.get(f"/3/footprints?{query}", token)),
                expected.mapped("pf_uuid"),
                query,
            )

    def test_bad_queries(self):
        token = self.token()
        for query in (
            "limit=abc",
            "limit=0",
            "offset=-1",
            "validOn=yesterday",
            "validAfter=2024-13-01T00:00:00Z",
            "$filter=created ge '2023-01-15T10:15:30Z'",
        ):
            response = self.get(f"/3/footprints?{query}", token)
            self.assertEqual(response.status_code, 400, query)
            self.assertEqual(response.json()["code"], "BadRequest")

    def test_get_errors_and_company_isolation(self):
        token = self.token()
        response = self.get("/3/footprints/00000000-0000-0000-0000-000000000000", token)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "NotFound")
        response = self.get("/3/footprints/not-a-uuid", token)
        self.assertEqual(response.status_code, 400)
        # a draft is not published
        self.assertEqual(self.get(f"/3/footprints/{self.draft.pf_uuid}", token).status_code, 404)
        # another company's footprint: neither listed nor readable
        response = self.get(f"/3/footprints/{self.hidden.pf_uuid}", token)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "AccessDenied")
        self.assertNotIn(self.hidden.pf_uuid, self.ids(self.get("/3/footprints", token)))
        other = self.token(self.other_client, self.other_secret)
        self.assertEqual(self.ids(self.get("/3/footprints", other)), [self.hidden.pf_uuid])
