# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase
from odoo.tools import config

#: the host the TLS-terminating proxy forwards (X-Forwarded-Host)
PUBLIC_HOST = "pact.example.test"


class PactHttpCase(HttpCase):
    """Calls the API as nginx forwards it (proxy_mode, X-Forwarded-Proto: https)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.company.scope3_pact_company_urns = "urn:uuid:11111111-2222-4333-8444-555555555555"
        cls.other_company = cls.env["res.company"].create(
            {
                "name": "Other Co",
                "scope3_pact_company_urns": "urn:uuid:99999999-2222-4333-8444-555555555555",
            }
        )
        # only the footprints created here are served (the demo ones are removed)
        cls.env["scope3.product.footprint"].search([]).with_context(
            scope3_pact_internal=True
        ).write({"state": "draft", "preceding_ids": [fields.Command.clear()]})
        cls.env["scope3.product.footprint"].search([]).unlink()
        Client = cls.env["scope3.pact.client"]
        cls.client = Client.create({"name": "Customer A", "company_id": cls.company.id})
        cls.secret = cls.client._pact_set_secret()
        cls.other_client = Client.create({"name": "Customer B", "company_id": cls.other_company.id})
        cls.other_secret = cls.other_client._pact_set_secret()

    def setUp(self):
        super().setUp()
        patcher = patch.dict(config.options, {"proxy_mode": True})
        patcher.start()
        self.addCleanup(patcher.stop)

    @classmethod
    def make_footprint(cls, company=None, approve=True, **values):
        vals = {
            "company_id": (company or cls.company).id,
            "product_name_company": "Widget",
            "product_description": "A widget",
            "product_urns": "urn:gtin:4000000000001",
            "classification_urns": "urn:pact:cpc:4291",
            "declared_unit": "kilogram",
            "declared_unit_amount": 1.0,
            "product_mass_per_declared_unit": 1.0,
            "reference_period_start": "2025-01-01 00:00:00",
            "reference_period_end": "2025-12-31 00:00:00",
            "validity_start": "2026-01-01 00:00:00",
            "validity_end": "2027-12-31 00:00:00",
            "geography_country": "DE",
            "pcf_excluding_biogenic": 2.5,
            "pcf_including_biogenic": 2.4,
            "fossil_ghg_emissions": 2.5,
            "dqr_technological": 1.0,
            "dqr_geographical": 2.0,
            "dqr_temporal": 1.5,
        }
        vals.update(values)
        footprint = cls.env["scope3.product.footprint"].create(vals)
        if approve:
            footprint.action_approve()
        return footprint

    def headers(self, token=None, https=True, **extra):
        headers = {}
        if https:
            headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-Host": PUBLIC_HOST})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers.update(extra)
        return headers

    def token_response(self, client_id, secret, https=True, **kw):
        return self.opener.post(
            self.base_url() + "/auth/token",
            data=kw.pop("data", {"grant_type": "client_credentials"}),
            auth=(client_id, secret),
            headers=self.headers(https=https),
            timeout=20,
            **kw,
        )

    def token(self, client=None, secret=None):
        response = self.token_response((client or self.client).client_id, secret or self.secret)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["access_token"]

    def get(self, path, token, **kw):
        return self.opener.get(
            self.base_url() + path,
            headers=self.headers(token, **kw),
            timeout=20,
            allow_redirects=False,
        )

    def post_event(self, body, token, content_type="application/cloudevents+json"):
        data = body if isinstance(body, str) else json.dumps(body)
        return self.opener.post(
            self.base_url() + "/3/events",
            data=data,
            headers=self.headers(token, **{"Content-Type": content_type}),
            timeout=20,
        )
