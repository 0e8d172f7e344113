# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.tests import tagged

from ..core import pact_v3
from .common import PactHttpCase


def event(event_type, data, event_id="evt-1"):
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "https://customer.example.test",
        "time": "2026-05-19T10:30:00Z",
        "type": event_type,
        "data": data,
    }


@tagged("post_install", "-at_install")
class TestPactEvents(PactHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.footprint = cls.make_footprint(product_urns="urn:gtin:4000000000077")
        cls.Event = cls.env["scope3.pact.event"]
        cls.callback = cls.env["scope3.pact.connection"].create(
            {
                "name": "Customer A node",
                "partner_id": cls.env.ref("base.res_partner_2").id,
                "base_url": "https://customer.example.test",
                "client_identifier": "us",
                "client_secret": "their-secret-for-us",
            }
        )
        cls.client.callback_connection_id = cls.callback

    def test_bad_events(self):
        token = self.token()
        created = event(pact_v3.EVENT_REQUEST_CREATED, {"productId": ["urn:gtin:1"]})
        cases = [
            ("{not json", "application/cloudevents+json"),
            (json.dumps(created), "text/plain"),
            (json.dumps(created), "application/x-www-form-urlencoded"),
            (json.dumps([created]), "application/cloudevents+json"),
            (json.dumps({**created, "type": "org.example.Other"}), "application/cloudevents+json"),
            (json.dumps({**created, "specversion": "0.3"}), "application/cloudevents+json"),
            (
                json.dumps({k: v for k, v in created.items() if k != "time"}),
                "application/cloudevents+json",
            ),
            (
                json.dumps(event(pact_v3.EVENT_PUBLISHED, {"pfIds": ["urn:gtin:4712345060507"]})),
                "application/cloudevents+json",
            ),
            (
                json.dumps(event(pact_v3.EVENT_REQUEST_CREATED, {"productId": "urn:gtin:1"})),
                "application/cloudevents+json",
            ),
            (
                json.dumps(event(pact_v3.EVENT_REQUEST_CREATED, {"validOn": "soon"})),
                "application/cloudevents+json",
            ),
        ]
        for body, content_type in cases:
            response = self.post_event(body, token, content_type)
            self.assertEqual(response.status_code, 400, body)
            self.assertEqual(response.json()["code"], "BadRequest")
        self.assertFalse(self.Event.search([]))
        forged = self.post_event(created, token + "x")
        self.assertEqual(forged.status_code, 401)
        self.assertFalse(self.Event.search([]))

    def test_request_answered_by_manager(self):
        token = self.token()
        response = self.post_event(
            event(
                pact_v3.EVENT_REQUEST_CREATED,
                {"productId": ["URN:GTIN:4000000000077"], "comment": "PCF for 2026 please"},
            ),
            token,
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.text, "")
        request = self.Event.search([("direction", "=", "in")])
        self.assertEqual(request.event_uuid, "evt-1")
        self.assertEqual(request.client_id, self.client)
        self.assertEqual(request.comment, "PCF for 2026 please")
        self.assertTrue(request.activity_ids, "a Carbon Manager is asked to answer")
        # no auto-answer: the cron leaves it to the manager
        self.Event._cron_process()
        self.assertEqual(request.state, "new")
        request.action_fulfill()
        self.assertEqual(request.state, "done")
        answer = request.answer_ids
        self.assertEqual(answer.event_type, pact_v3.EVENT_REQUEST_FULFILLED)
        self.assertEqual(answer.connection_id, self.callback)
        body = json.loads(answer.payload)
        self.assertEqual(body["data"]["requestEventId"], "evt-1")
        self.assertEqual([pf["id"] for pf in body["data"]["pfs"]], [self.footprint.pf_uuid])
        self.assertEqual(pact_v3.parse_event(body).type, pact_v3.EVENT_REQUEST_FULFILLED)

    def test_request_auto_rejected_and_send_retried(self):
        self.client.auto_answer = True
        token = self.token()
        response = self.post_event(
            event(pact_v3.EVENT_REQUEST_CREATED, {"productId": ["urn:pact:null"]}, "evt-2"),
            token,
        )
        self.assertEqual(response.status_code, 200)
        self.callback.write({"base_url": "http://127.0.0.1:9", "max_retries": 0, "timeout": 2})
        self.Event._cron_process()
        request = self.Event.search([("event_uuid", "=", "evt-2")])
        self.assertEqual(request.state, "done")
        answer = request.answer_ids
        self.assertEqual(answer.event_type, pact_v3.EVENT_REQUEST_REJECTED)
        self.assertEqual(json.loads(answer.payload)["data"]["error"]["code"], "NotFound")
        # the customer's node is down: recorded, retried later, the secret never recorded
        self.assertEqual(answer.state, "to_send")
        self.assertEqual(answer.attempts, 1)
        self.assertIn("ConnectionError", answer.last_error)
        self.assertNotIn("their-secret-for-us", answer.last_error)
        self.assertGreater(answer.next_attempt, answer.create_date)

    def test_published_event_accepted(self):
        token = self.token()
        response = self.post_event(
            event(pact_v3.EVENT_PUBLISHED, {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]}),
            token,
        )
        self.assertEqual(response.status_code, 200)
        published = self.Event.search([("event_type", "=", pact_v3.EVENT_PUBLISHED)])
        self.assertEqual(published.state, "new")
