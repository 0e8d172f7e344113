# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..core import pact_v3

_logger = logging.getLogger(__name__)

EVENT_TYPE_SELECTION = [
    (pact_v3.EVENT_REQUEST_CREATED, "Request Created"),
    (pact_v3.EVENT_REQUEST_FULFILLED, "Request Fulfilled"),
    (pact_v3.EVENT_REQUEST_REJECTED, "Request Rejected"),
    (pact_v3.EVENT_PUBLISHED, "Published"),
]
#: retry delays (minutes) of an outgoing event after each failed attempt
RETRY_MINUTES = (1, 5, 30, 120, 720)


class Scope3PactEvent(models.Model):
    """A PACT CloudEvent received (from a client) or to send (to a connection).

    An incoming ``RequestCreated`` is a customer's footprint request: a Carbon Manager
    gets an activity and answers it (fulfilled with approved footprints, or rejected),
    which queues the outgoing answer; outgoing events are sent by a cron with retries.
    """

    _name = "scope3.pact.event"
    _description = "PACT Event"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    direction = fields.Selection(
        [("in", "Received"), ("out", "Sent")], required=True, readonly=True, index=True
    )
    event_type = fields.Selection(EVENT_TYPE_SELECTION, required=True, readonly=True)
    event_uuid = fields.Char(string="Event ID", required=True, readonly=True, index=True)
    source = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    client_id = fields.Many2one("scope3.pact.client", readonly=True, check_company=True)
    connection_id = fields.Many2one("scope3.pact.connection", readonly=True, check_company=True)
    payload = fields.Text(readonly=True, help="The CloudEvent as JSON.")
    request_event_uuid = fields.Char(readonly=True, index=True, string="Request Event ID")
    request_id = fields.Many2one("scope3.pact.event", readonly=True, string="Request")
    answer_ids = fields.One2many("scope3.pact.event", "request_id", readonly=True)
    state = fields.Selection(
        [
            ("new", "To Process"),
            ("to_send", "To Send"),
            ("done", "Done"),
            ("error", "Failed"),
        ],
        default="new",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(readonly=True, index=True)
    last_error = fields.Text(readonly=True)
    footprint_ids = fields.Many2many("scope3.product.footprint", readonly=True)
    comment = fields.Text(readonly=True)

    @api.depends("direction", "event_type", "event_uuid")
    def _compute_name(self):
        labels = dict(EVENT_TYPE_SELECTION)
        for event in self:
            event.name = f"{labels.get(event.event_type, '')} {event.event_uuid or ''}".strip()

    def _data(self):
        self.ensure_one()
        return json.loads(self.payload or "{}").get("data") or {}

    # ---------------------------------------------------------------------- receiving

    @api.model
    def _pact_receive(self, client, event, body):
        """Store an incoming event of ``client`` and act on it."""
        values = {
            "direction": "in",
            "event_type": event.type,
            "event_uuid": event.id,
            "source": event.source,
            "company_id": client.company_id.id,
            "client_id": client.id,
            "connection_id": client.callback_connection_id.id,
            "payload": json.dumps(body),
            "request_event_uuid": event.data.get("requestEventId"),
            "comment": event.data.get("comment"),
        }
        if event.type == pact_v3.EVENT_REQUEST_CREATED:
            pact_v3.request_query(event.data)  # criteria are valid (PactError otherwise)
        record = self.sudo().create(values)
        if event.type == pact_v3.EVENT_REQUEST_CREATED:
            record._pact_notify_managers()
            if client.auto_answer:
                self.env.ref("scope3_carbon_pact.ir_cron_scope3_pact_events")._trigger()
        else:
            # fulfilled / rejected / published: handled by the cron (it calls other nodes)
            self.env.ref("scope3_carbon_pact.ir_cron_scope3_pact_events")._trigger()
        return record

    def _pact_notify_managers(self):
        group = self.env.ref("scope3_carbon.group_scope3_manager")
        users = group.users.filtered(lambda u: self.company_id in u.company_ids and not u.share)
        for user in users[:5]:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=self.env._(
                    "Answer the PACT footprint request of %(c)s", c=self.client_id.name
                ),
            )

    # ---------------------------------------------------------------------- answering

    def _matching_footprints(self):
        self.ensure_one()
        query = pact_v3.request_query(self._data())
        Footprint = self.env["scope3.product.footprint"].sudo()
        domain = Footprint._pact_domain(self.company_id, query)
        if not query.statuses:
            domain.append(("pact_status", "=", "Active"))
        return Footprint.search(domain, limit=query.limit, order="id")

    def _check_can_answer(self):
        if not self.env.su and not self.env.user.has_group("scope3_carbon.group_scope3_manager"):
            raise AccessError(self.env._("Only a Carbon Manager answers footprint requests."))
        for event in self:
            if event.direction != "in" or event.event_type != pact_v3.EVENT_REQUEST_CREATED:
                raise UserError(self.env._("Only received footprint requests are answered."))
            if event.state != "new":
                raise UserError(self.env._("This request was answered already."))

    def action_fulfill(self):
        """Answer with the approved footprints matching the request's criteria."""
        self._check_can_answer()
        for event in self:
            footprints = event._matching_footprints()
            if not footprints:
                raise UserError(
                    self.env._("No approved footprint matches this request: reject it.")
                )
            event._pact_answer(
                pact_v3.EVENT_REQUEST_FULFILLED,
                {
                    "requestEventId": event.event_uuid,
                    "pfs": [fp._pact_dict() for fp in footprints],
                },
                footprints,
            )
        return True

    def action_reject(self):
        self._check_can_answer()
        for event in self:
            event._pact_answer(
                pact_v3.EVENT_REQUEST_REJECTED,
                {
                    "requestEventId": event.event_uuid,
                    "error": {
                        "code": "NotFound",
                        "message": "No footprint is available for the requested products",
                    },
                },
            )
        return True

    def _pact_answer(self, event_type, data, footprints=None):
        self.ensure_one()
        body = pact_v3.make_event(event_type, self._pact_source(), data)
        self.sudo().create(
            {
                "direction": "out",
                "event_type": event_type,
                "event_uuid": body["id"],
                "source": body["source"],
                "company_id": self.company_id.id,
                "client_id": self.client_id.id,
                "connection_id": self.client_id.callback_connection_id.id,
                "payload": json.dumps(body),
                "request_event_uuid": self.event_uuid,
                "request_id": self.id,
                "state": "to_send",
                "next_attempt": fields.Datetime.now(),
                "footprint_ids": [fields.Command.set(footprints.ids if footprints else [])],
            }
        )
        self.sudo().write({"state": "done"})
        self.activity_ids.sudo().action_feedback(feedback=self.env._("Answered."))
        self.env.ref("scope3_carbon_pact.ir_cron_scope3_pact_events")._trigger()

    def _pact_source(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        return base.rstrip("/") or "urn:odoo:scope3_carbon_pact"

    @api.model
    def _scope3_announce_published(self, footprints):
        """Queue a Published event of newly approved footprints to subscribed clients."""
        for company in footprints.company_id:
            pf_ids = footprints.filtered(lambda f, c=company: f.company_id == c).mapped("pf_uuid")
            clients = (
                self.env["scope3.pact.client"]
                .sudo()
                .search(
                    [
                        ("company_id", "=", company.id),
                        ("notify_published", "=", True),
                        ("callback_connection_id", "!=", False),
                    ]
                )
            )
            for client in clients:
                body = pact_v3.make_event(
                    pact_v3.EVENT_PUBLISHED, self._pact_source(), {"pfIds": pf_ids}
                )
                self.sudo().create(
                    {
                        "direction": "out",
                        "event_type": pact_v3.EVENT_PUBLISHED,
                        "event_uuid": body["id"],
                        "source": body["source"],
                        "company_id": company.id,
                        "client_id": client.id,
                        "connection_id": client.callback_connection_id.id,
                        "payload": json.dumps(body),
                        "state": "to_send",
                        "next_attempt": fields.Datetime.now(),
                    }
                )
        if footprints:
            self.env.ref("scope3_carbon_pact.ir_cron_scope3_pact_events")._trigger()

    # ---------------------------------------------------------------------------- cron

    @api.model
    def _cron_process(self, limit=50):
        """Answer auto-answered requests, act on received events, send queued events."""
        todo = self.search(
            [
                ("direction", "=", "in"),
                ("state", "=", "new"),
                "|",
                ("event_type", "!=", pact_v3.EVENT_REQUEST_CREATED),
                ("client_id.auto_answer", "=", True),
            ],
            limit=limit,
            order="id",
        )
        may_commit = self.env["scope3.outbox.event"]._scope3_may_commit()
        for event in todo:
            event._pact_process_incoming()
            if may_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        outgoing = self.search(
            [
                ("direction", "=", "out"),
                ("state", "=", "to_send"),
                ("next_attempt", "<=", fields.Datetime.now()),
            ],
            limit=limit,
            order="id",
        )
        for event in outgoing:
            event._pact_send()
            if may_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _pact_process_incoming(self):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._pact_process_incoming_unsafe()
        except Exception as exc:  # noqa: BLE001 - recorded on the event for a manager
            _logger.warning("PACT event %s failed: %s", self.id, type(exc).__name__)
            self.write({"state": "error", "last_error": str(exc)[:2000]})

    def _pact_process_incoming_unsafe(self):
        if self.event_type == pact_v3.EVENT_REQUEST_CREATED:
            if self._matching_footprints():
                self.action_fulfill()
            else:
                self.action_reject()
            return
        connection = self.connection_id
        if self.event_type == pact_v3.EVENT_PUBLISHED:
            if connection:
                connection._pact_fetch_ids(self._data().get("pfIds") or [], event=self)
        elif self.event_type == pact_v3.EVENT_REQUEST_FULFILLED:
            request = self.search(
                [("direction", "=", "out"), ("event_uuid", "=", self.request_event_uuid)],
                limit=1,
            )
            self.request_id = request
            connection = connection or request.connection_id
            if connection:
                connection._pact_store_footprints(self._data().get("pfs") or [], event=self)
            request.write({"state": "done"})
        elif self.event_type == pact_v3.EVENT_REQUEST_REJECTED:
            request = self.search(
                [("direction", "=", "out"), ("event_uuid", "=", self.request_event_uuid)],
                limit=1,
            )
            self.request_id = request
            error = self._data().get("error") or {}
            request.write({"last_error": f"{error.get('code')}: {error.get('message')}"})
        self.write({"state": "done"})

    def _pact_send(self):
        """POST an outgoing event to its connection; retried with backoff."""
        self.ensure_one()
        connection = self.connection_id
        if not connection:
            self.write({"state": "error", "last_error": "No PACT connection to send this to."})
            return
        try:
            connection._pact_post_event(json.loads(self.payload))
        except Exception as exc:  # noqa: BLE001 - recorded, retried
            attempts = self.attempts + 1
            values = {"attempts": attempts, "last_error": str(exc)[:2000]}
            if attempts > len(RETRY_MINUTES):
                values["state"] = "error"
            else:
                delay = RETRY_MINUTES[attempts - 1]
                values["next_attempt"] = fields.Datetime.now() + timedelta(minutes=delay)
            self.write(values)
            return
        self.write({"state": "done", "attempts": self.attempts + 1, "last_error": False})

    def action_retry(self):
        self.filtered(lambda e: e.state == "error").write(
            {"state": "to_send", "next_attempt": fields.Datetime.now(), "attempts": 0}
        )
        self.env.ref("scope3_carbon_pact.ir_cron_scope3_pact_events")._trigger()
        return True
