# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch
from urllib.parse import urlsplit, urlunsplit

import requests

from odoo.tests import tagged

from ..core import pact_v3
from .common import PactHttpCase
from .test_core import valid_pf

_real_request = requests.request


def through_proxy(method, url, **kwargs):
    """Plays nginx in front of the test server: the client calls https://<host>, the
    proxy terminates TLS and forwards plain HTTP with X-Forwarded-Proto / -Host."""
    parts = urlsplit(url)
    headers = dict(kwargs.pop("headers", None) or {})
    if parts.scheme == "https":
        headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-Host": parts.netloc})
        url = urlunsplit(("http", *parts[1:]))
    return _real_request(method, url, headers=headers, **kwargs)


@tagged("post_install", "-at_install")
class TestPactClientPull(PactHttpCase):
    """The buyer (other company) pulls the supplier's (main company) footprints from this
    same Odoo served by the test server, as it would from a supplier's PACT node."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.env["res.partner"].create({"name": "Desk Supplier GmbH"})
        cls.product = cls.env["product.product"].create(
            {
                "name": "Desk",
                "type": "consu",
                "barcode": "4000000000555",
                "company_id": cls.other_company.id,
            }
        )
        cls.env["product.supplierinfo"].create(
            {
                "partner_id": cls.supplier.id,
                "product_tmpl_id": cls.product.product_tmpl_id.id,
                "company_id": cls.other_company.id,
            }
        )
        cls.v1 = cls.make_footprint(
            product_urns="urn:gtin:4000000000555",
            declared_unit="kilogram",
            declared_unit_amount=32.5,
            pcf_excluding_biogenic=3.2,
            dqr_technological=1.0,
            dqr_geographical=2.0,
            dqr_temporal=3.0,
        )
        cls.unrelated = cls.make_footprint(product_urns="urn:gtin:4000000000999")

    def setUp(self):
        super().setUp()
        self.connection = self.env["scope3.pact.connection"].create(
            {
                "name": "Desk Supplier PACT",
                "company_id": self.other_company.id,
                "partner_id": self.supplier.id,
                "base_url": self.base_url().replace("http://", "https://"),
                "client_identifier": self.client.client_id,
                "client_secret": self.secret,
                "backoff": 0.01,
            }
        )
        patcher = patch(
            "odoo.addons.scope3_carbon_pact.models.scope3_pact_connection.requests.request",
            side_effect=through_proxy,
        )
        self.requests = patcher.start()
        self.addCleanup(patcher.stop)
        self.Supplier = self.env["scope3.supplier.footprint"]

    def received(self):
        return self.Supplier.search([("pact_connection_id", "=", self.connection.id)])

    def test_pull_accept_and_new_version(self):
        self.connection.action_pull()
        # discovered through /.well-known/openid-configuration (absolute, public host)
        self.assertEqual(self.connection.auth_url, self.connection.base_url + "/auth/token")
        self.assertFalse(self.connection.last_error)
        footprint = self.received()
        self.assertEqual(len(footprint), 1, "only the product bought from the supplier")
        self.assertEqual(
            (footprint.pact_id, footprint.status, footprint.product_id, footprint.partner_id),
            (self.v1.pf_uuid, "pending", self.product, self.supplier),
        )
        self.assertEqual((footprint.pcf_kg, footprint.unitary_product_amount), (3.2, 32.5))
        self.assertEqual(footprint.dqr, 2.0)  # mean of the DQRs 1, 2 and 3
        self.assertEqual(str(footprint.valid_from), "2026-01-01")
        self.assertTrue(footprint.activity_ids)
        # pulled again: nothing duplicated
        self.connection.action_pull()
        self.assertEqual(self.received(), footprint)
        # accepted: through a restatement, as a portal submission
        footprint.action_accept()
        self.assertEqual(footprint.status, "active")
        restatement = self.env["scope3.restatement"].search(
            [("supplier_footprint_id", "=", footprint.id)]
        )
        self.assertEqual(restatement.trigger, "supplier_footprint")
        # the supplier publishes a new version; the buyer fetches it by id (Published)
        action = self.v1.action_new_version()
        v2 = self.env["scope3.product.footprint"].browse(action["res_id"])
        v2.pcf_excluding_biogenic = 2.9
        v2.action_approve()
        self.env.flush_all()  # the supplier's transaction, committed before it publishes
        self.connection._pact_fetch_ids([v2.pf_uuid])
        self.assertFalse(self.connection.last_error)
        successor = self.received() - footprint
        self.assertEqual(successor.pact_id, v2.pf_uuid)
        self.assertEqual(successor.preceding_ids, footprint)
        self.assertEqual(successor.status, "pending")
        self.assertEqual(footprint.status, "active", "unchanged until a manager accepts")
        successor.action_accept()
        self.assertEqual(footprint.status, "deprecated")

    def test_published_event_from_supplier(self):
        """The supplier's node posts a Published event: the buyer fetches the footprint."""
        buyer_client = self.env["scope3.pact.client"].create(
            {
                "name": "Desk Supplier (sends us events)",
                "company_id": self.other_company.id,
                "callback_connection_id": self.connection.id,
            }
        )
        secret = buyer_client._pact_set_secret()
        token = self.token(buyer_client, secret)
        body = pact_v3.make_event(
            pact_v3.EVENT_PUBLISHED, "https://supplier.example.test", {"pfIds": [self.v1.pf_uuid]}
        )
        response = self.post_event(body, token)
        self.assertEqual(response.status_code, 200, response.text)
        self.env["scope3.pact.event"]._cron_process()
        self.assertEqual(self.received().pact_id, self.v1.pf_uuid)
        self.assertEqual(self.received().status, "pending")

    def test_invalid_footprints_not_stored(self):
        for bad in (
            valid_pf(pcfExcludingBiogenicUptake="-3"),
            valid_pf(declaredUnitOfMeasurement="barrel"),
            {k: v for k, v in valid_pf().items() if k != "pcf"},
            valid_pf(declaredUnitOfMeasurement="piece"),  # valid PACT, no ledger unit for it
        ):
            bad["productIds"] = ["urn:gtin:4000000000555"]
            self.assertEqual(self.connection._pact_store_footprints([bad]), 0)
        self.assertFalse(self.received())
        self.assertEqual(self.connection.error_count, 4)
        self.assertIn("not handled", self.connection.last_error)

    def test_unreachable_host_recorded_and_retried(self):
        self.connection.write({"base_url": "http://127.0.0.1:9", "max_retries": 2, "timeout": 1})
        self.connection.action_pull()
        self.assertIn("ConnectionError", self.connection.last_error)
        self.assertIn("after 3 attempts", self.connection.last_error)
        self.assertEqual(self.connection.error_count, 1)
        self.assertNotIn(self.secret, self.connection.last_error)
        messages = self.connection.message_ids.mapped("body")
        self.assertTrue(any("PACT call failed" in m for m in messages))
        self.assertFalse(self.received())

    def test_request_missing_footprints(self):
        """RequestCreated for the products bought without a received footprint."""
        self.connection.action_request_missing()
        sent = self.env["scope3.pact.event"].search(
            [("direction", "=", "out"), ("connection_id", "=", self.connection.id)]
        )
        self.assertEqual(sent.event_type, pact_v3.EVENT_REQUEST_CREATED)
        self.assertEqual(sent.state, "done", sent.last_error)
        self.assertEqual(json.loads(sent.payload)["data"]["productId"], ["urn:gtin:4000000000555"])
        # received by the host (this same database): a request for its Carbon Managers
        received = self.env["scope3.pact.event"].search(
            [("direction", "=", "in"), ("event_uuid", "=", sent.event_uuid)]
        )
        self.assertEqual(received.client_id, self.client)
        self.assertEqual(received.state, "new")
        # the supplier answers with RequestFulfilled, posted to the buyer's /3/events
        buyer_client = self.env["scope3.pact.client"].create(
            {
                "name": "Desk Supplier (answers our requests)",
                "company_id": self.other_company.id,
                "callback_connection_id": self.connection.id,
            }
        )
        token = self.token(buyer_client, buyer_client._pact_set_secret())
        answer = pact_v3.make_event(
            pact_v3.EVENT_REQUEST_FULFILLED,
            "https://supplier.example.test",
            {"requestEventId": sent.event_uuid, "pfs": [self.v1._pact_dict()]},
        )
        self.assertEqual(self.post_event(answer, token).status_code, 200)
        self.env["scope3.pact.event"]._cron_process()
        fulfilled = self.env["scope3.pact.event"].search([("event_uuid", "=", answer["id"])])
        self.assertEqual((fulfilled.state, fulfilled.request_id), ("done", sent))
        self.assertEqual(self.received().pact_id, self.v1.pf_uuid)
        self.assertEqual(self.received().status, "pending")
        self.assertEqual(self.received().pact_event_id, fulfilled)

    def test_host_answering_500_retried(self):
        """A supplier host that answers 500: each call retried, the error recorded."""
        hits = []

        class Failing(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's API
                hits.append(self.path)
                self.send_response(500)
                self.end_headers()

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.connection.write(
            {"base_url": f"http://127.0.0.1:{server.server_port}", "max_retries": 2}
        )
        self.connection.action_pull()
        # discovery (3 attempts, then the default token URL) and the token (3 attempts)
        self.assertEqual(hits, ["/.well-known/openid-configuration"] * 3 + ["/auth/token"] * 3)
        self.assertIn("HTTP 500 (after 3 attempts)", self.connection.last_error)
        self.assertFalse(self.received())
