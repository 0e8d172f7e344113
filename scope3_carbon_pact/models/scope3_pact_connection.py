# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import time
from urllib.parse import urljoin

import requests

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..core import pact_v3

_logger = logging.getLogger(__name__)

RETRIED_STATUSES = {429, 500, 502, 503, 504}


class PactCallError(Exception):
    """A call to a remote PACT node that failed after its retries (message: no secret)."""


class Scope3PactConnection(models.Model):
    """Our access to a remote PACT node: a supplier's (we pull its footprints, send it
    footprint requests) or a customer's (we send it answers and Published events).

    Every call uses ``requests`` with a timeout and retries with exponential backoff;
    the last error is kept on the connection and posted in its chatter.
    """

    _name = "scope3.pact.connection"
    _description = "PACT Connection (remote node)"
    _inherit = ["mail.thread"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Partner", required=True, check_company=True, tracking=True
    )
    base_url = fields.Char(
        string="Base URL", required=True, tracking=True, help="e.g. https://pact.supplier.com"
    )
    auth_url = fields.Char(
        string="Token URL",
        help="Left empty: discovered from /.well-known/openid-configuration, else "
        "<base URL>/auth/token.",
    )
    client_identifier = fields.Char(string="Client ID", required=True)
    client_secret = fields.Char(groups="base.group_system", copy=False)
    timeout = fields.Float(string="Timeout (s)", default=10.0, required=True)
    max_retries = fields.Integer(default=3, required=True)
    backoff = fields.Float(string="Backoff (s)", default=1.0, required=True)
    pull_enabled = fields.Boolean(
        string="Pull on Schedule", default=True, help="The cron pulls this supplier's footprints."
    )
    last_pull = fields.Datetime(readonly=True)
    last_error = fields.Text(readonly=True)
    error_count = fields.Integer(readonly=True)
    received_count = fields.Integer(compute="_compute_received_count")

    _sql_constraints = [
        ("timeout_positive", "CHECK(timeout > 0)", "The timeout must be positive."),
        ("retries_range", "CHECK(max_retries >= 0 AND max_retries <= 10)", "0 to 10 retries."),
    ]

    def _compute_received_count(self):
        groups = self.env["scope3.supplier.footprint"]._read_group(
            [("pact_connection_id", "in", self.ids)], ["pact_connection_id"], ["__count"]
        )
        counts = {connection.id: count for connection, count in groups}
        for connection in self:
            connection.received_count = counts.get(connection.id, 0)

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group("scope3_carbon.group_scope3_manager"):
            raise AccessError(self.env._("Only a Carbon Manager uses PACT connections."))

    # --------------------------------------------------------------------------- HTTP

    def _http(self, method, url, **kwargs):
        """One call with retries (connection errors, timeouts, 429 and 5xx) and
        exponential backoff; returns the response of the last attempt."""
        self.ensure_one()
        attempt = 0
        while True:
            try:
                response = requests.request(method, url, timeout=self.timeout, **kwargs)
            except requests.RequestException as exc:
                error = f"{method} {url}: {type(exc).__name__}"
                response = None
            else:
                if response.status_code not in RETRIED_STATUSES:
                    return response
                error = f"{method} {url}: HTTP {response.status_code}"
            if attempt >= self.max_retries:
                raise PactCallError(f"{error} (after {attempt + 1} attempts)")
            time.sleep(self.backoff * (2**attempt))
            attempt += 1

    def _token_url(self):
        self.ensure_one()
        if self.auth_url:
            return self.auth_url
        base = self.base_url.rstrip("/")
        try:
            response = self._http("GET", f"{base}/.well-known/openid-configuration")
            if response.ok:
                endpoint = response.json().get("token_endpoint")
                if endpoint:
                    self.sudo().auth_url = endpoint
                    return endpoint
        except (PactCallError, ValueError) as exc:
            _logger.info("PACT %s: no OpenID configuration (%s)", base, type(exc).__name__)
        return f"{base}/auth/token"

    def _token(self):
        self.ensure_one()
        secret = self.sudo().client_secret or ""
        response = self._http(
            "POST",
            self._token_url(),
            data={"grant_type": "client_credentials"},
            auth=(self.client_identifier, secret),
            headers={"Accept": "application/json"},
        )
        if response.status_code != 200:
            raise PactCallError(f"Token request refused: HTTP {response.status_code}")
        try:
            return response.json()["access_token"]
        except (ValueError, KeyError) as exc:
            raise PactCallError("Token response without access_token") from exc

    def _api(self, method, path_or_url, token, **kwargs):
        url = urljoin(self.base_url.rstrip("/") + "/", path_or_url.lstrip("/"))
        if path_or_url.startswith("https://") or path_or_url.startswith("http://"):
            url = path_or_url
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        headers.update(kwargs.pop("headers", {}))
        return self._http(method, url, headers=headers, **kwargs)

    def _record_error(self, message):
        self.ensure_one()
        self.sudo().write({"last_error": message, "error_count": self.error_count + 1})
        self.message_post(body=self.env._("PACT call failed: %(m)s", m=message))

    def _pact_post_event(self, body):
        """POST a CloudEvent to the node's /3/events (raises PactCallError)."""
        self.ensure_one()
        token = self._token()
        response = self._api(
            "POST",
            "/3/events",
            token,
            data=json.dumps(body),
            headers={"Content-Type": "application/cloudevents+json; charset=UTF-8"},
        )
        if response.status_code != 200:
            raise PactCallError(f"Event refused: HTTP {response.status_code}")

    # ---------------------------------------------------------------------- pulling

    def _product_urns(self):
        """{lower-case URN: product} of the products bought from the partner: the vendor
        product code of its supplier info (a URN, or urn:pact:<code> otherwise) and the
        product's barcode as urn:gtin:<barcode>."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        infos = self.env["product.supplierinfo"].search(
            [
                ("partner_id", "child_of", partner.id),
                "|",
                ("company_id", "=", False),
                ("company_id", "=", self.company_id.id),
            ]
        )
        urns = {}
        for info in infos:
            products = info.product_id or info.product_tmpl_id.product_variant_ids
            for product in products:
                if info.product_code:
                    code = info.product_code.strip()
                    urn = code if code.lower().startswith("urn:") else f"urn:pact:{code}"
                    urns[urn.lower()] = product
                if product.barcode:
                    urns[f"urn:gtin:{product.barcode}".lower()] = product
        return urns

    def action_pull(self):
        """On demand: pull the footprints of the products bought from each partner."""
        self._check_manager()
        for connection in self:
            connection._pact_pull()
        return True

    @api.model
    def _cron_pull(self):
        may_commit = self.env["scope3.outbox.event"]._scope3_may_commit()
        for connection in self.search([("pull_enabled", "=", True)]):
            connection._pact_pull()
            if may_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _pact_pull(self):
        self.ensure_one()
        urns = self._product_urns()
        if not urns:
            return 0
        try:
            token = self._token()
            url = "/3/footprints"
            params = [("productId", urn) for urn in sorted(urns)]
            received = []
            for _page in range(100):
                response = self._api("GET", url, token, params=params)
                if response.status_code != 200:
                    raise PactCallError(f"ListFootprints: HTTP {response.status_code}")
                received += (response.json() or {}).get("data") or []
                next_url = response.links.get("next", {}).get("url")
                if not next_url:
                    break
                url, params = next_url, None
        except (PactCallError, ValueError) as exc:
            self._record_error(str(exc))
            return 0
        stored = self._pact_store_footprints(received)
        self.sudo().write({"last_pull": fields.Datetime.now(), "last_error": False})
        return stored

    def _pact_fetch_ids(self, pf_ids, event=None):
        """Fetch footprints by id (a Published event) and store them."""
        self.ensure_one()
        token = self._token()
        received = []
        for pf_id in pf_ids:
            response = self._api("GET", f"/3/footprints/{pf_id}", token)
            if response.status_code == 200:
                received.append((response.json() or {}).get("data"))
            else:
                self._record_error(f"GetFootprint {pf_id}: HTTP {response.status_code}")
        return self._pact_store_footprints(received, event=event)

    def _pact_store_footprints(self, pfs, event=None):
        """Store valid received footprints as pending supplier footprints (an invalid one
        is recorded as an error and nothing of it is stored). Returns how many were new."""
        self.ensure_one()
        Supplier = self.env["scope3.supplier.footprint"].sudo()
        urns = self._product_urns()
        created = 0
        for raw in pfs:
            try:
                pf = pact_v3.parse_footprint(raw)
            except pact_v3.PactError as exc:
                pf_id = raw.get("id") if isinstance(raw, dict) else None
                self._record_error(f"Invalid footprint {pf_id}: {exc.message}")
                continue
            if pf.declared_unit not in dict(Supplier._fields["declared_unit"].selection):
                self._record_error(f"Footprint {pf.pf_id}: unit {pf.declared_unit} not handled")
                continue
            existing = Supplier.search(
                [("pact_id", "=", pf.pf_id), ("company_id", "=", self.company_id.id)], limit=1
            )
            if existing:
                continue  # a PACT footprint is immutable: a change comes with a new id
            product = next((urns[u.lower()] for u in pf.product_ids if u.lower() in urns), None)
            if not product:
                self._record_error(f"Footprint {pf.pf_id}: no product bought matches its ids")
                continue
            preceding = Supplier.search(
                [("pact_id", "in", pf.preceding_pf_ids), ("company_id", "=", self.company_id.id)]
            )
            valid_from = (pf.validity_start or pf.reference_period_end).date()
            valid_to = pf.validity_end.date() if pf.validity_end else False
            footprint = Supplier.create(
                {
                    "pact_id": pf.pf_id,
                    "pact_connection_id": self.id,
                    "pact_event_id": event.id if event else False,
                    "pact_payload": json.dumps(raw),
                    "partner_id": self.partner_id.commercial_partner_id.id,
                    "product_id": product.id,
                    "company_id": self.company_id.id,
                    "product_ids_text": " ".join(pf.product_ids),
                    "declared_unit": pf.declared_unit,
                    "unitary_product_amount": pf.declared_unit_amount,
                    "pcf_kg": pf.pcf_excluding_biogenic,
                    "dqr": pf.dqr or 0.0,
                    "primary_data_share": pf.primary_data_share or 0.0,
                    "verified": pf.verified,
                    "valid_from": valid_from,
                    "valid_to": valid_to if valid_to and valid_to >= valid_from else False,
                    "preceding_ids": [fields.Command.set(preceding.ids)],
                }
            )
            footprint.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._(
                    "Review the PACT footprint received from %(p)s", p=self.partner_id.display_name
                ),
                user_id=self.env.ref("base.user_admin").id,
            )
            created += 1
        return created

    # -------------------------------------------------------------------- requesting

    def action_request_missing(self):
        """Send a RequestCreated event for the products bought from the partner that have
        no received footprint yet and no open request."""
        self._check_manager()
        Event = self.env["scope3.pact.event"].sudo()
        for connection in self:
            urns = connection._product_urns()
            have = set(
                self.env["scope3.supplier.footprint"]
                .sudo()
                .search([("pact_connection_id", "=", connection.id)])
                .mapped("product_id")
                .ids
            )
            missing = sorted(u for u, p in urns.items() if p.id not in have)
            if not missing:
                continue
            body = pact_v3.make_event(
                pact_v3.EVENT_REQUEST_CREATED,
                Event._pact_source(),
                {"productId": missing, "comment": "Please share the product footprints."},
            )
            event = Event.create(
                {
                    "direction": "out",
                    "event_type": pact_v3.EVENT_REQUEST_CREATED,
                    "event_uuid": body["id"],
                    "source": body["source"],
                    "company_id": connection.company_id.id,
                    "connection_id": connection.id,
                    "payload": json.dumps(body),
                    "state": "to_send",
                    "next_attempt": fields.Datetime.now(),
                }
            )
            event._pact_send()
            if event.state != "done" and event.last_error:
                connection._record_error(event.last_error)
        return True

    def action_test(self):
        """Check the credentials (a token request)."""
        self._check_manager()
        for connection in self:
            try:
                connection._token()
            except PactCallError as exc:
                connection._record_error(str(exc))
                raise UserError(str(exc)) from exc
        return True
