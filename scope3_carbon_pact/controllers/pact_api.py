# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""PACT V3.0 host API (data owner side) with plain Odoo controllers.

``auth="none"``: the OAuth 2.0 bearer token is checked here, and every read is done as
the superuser restricted explicitly to the token's company. Bodies are built by hand as
the specification shows them. Requests that did not arrive over HTTPS (as seen behind
the reverse proxy, Odoo's ``proxy_mode`` and ``X-Forwarded-Proto``) are refused.
"""

import base64
import binascii
import json
import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..core import pact_v3

_logger = logging.getLogger(__name__)

JSON = "application/json"
EVENT_TYPES = ("application/cloudevents+json", "application/json")
ROUTE = {"type": "http", "auth": "none", "csrf": False, "save_session": False}


def _json(data, status=200, headers=None):
    body = json.dumps(data) if data is not None else ""
    response_headers = [("Cache-Control", "no-store")]
    if data is not None:
        response_headers.append(("Content-Type", JSON))
    return request.make_response(body, headers=response_headers + (headers or []), status=status)


def _error(code, message, status):
    """The spec's Error object."""
    return _json({"code": code, "message": message}, status=status)


def _oauth_error(error, description, status):
    """RFC 6749 section 5.2 error of the token endpoint."""
    headers = [("WWW-Authenticate", 'Basic realm="pact"')] if status == 401 else []
    return _json({"error": error, "error_description": description}, status, headers)


def _env():
    return request.env(user=SUPERUSER_ID)


def _is_https():
    return request.httprequest.scheme == "https"


def _base_url():
    return request.httprequest.host_url.rstrip("/")


class PactApi(http.Controller):
    # ---------------------------------------------------------------- discovery and auth

    @http.route("/.well-known/openid-configuration", methods=["GET"], readonly=True, **ROUTE)
    def pact_openid_configuration(self, **_query):
        if not _is_https():
            return _error("AccessDenied", "HTTPS is required", 403)
        base = _base_url()
        return _json(
            {
                "issuer": base,
                "token_endpoint": f"{base}/auth/token",
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            }
        )

    @http.route("/auth/token", methods=["POST"], readonly=False, **ROUTE)
    def pact_token(self, **_form):
        if not _is_https():
            return _oauth_error("invalid_request", "HTTPS is required", 403)
        httprequest = request.httprequest
        if httprequest.mimetype != "application/x-www-form-urlencoded":
            return _oauth_error(
                "invalid_request", "The body must be application/x-www-form-urlencoded", 400
            )
        form = httprequest.form
        client_id = secret = None
        header = httprequest.headers.get("Authorization", "")
        if header[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return _oauth_error("invalid_client", "Malformed Basic credentials", 401)
            client_id, _sep, secret = decoded.partition(":")
        elif form.get("client_id"):
            client_id, secret = form.get("client_id"), form.get("client_secret")
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(
                "unsupported_grant_type", "Only grant_type=client_credentials is supported", 400
            )
        if not client_id:
            return _oauth_error("invalid_client", "Client authentication failed", 401)
        env = _env()
        client = env["scope3.pact.client"]._pact_authenticate(client_id, secret)
        if not client:
            _logger.info("PACT token refused for client id %s", client_id[:64])
            return _oauth_error("invalid_client", "Client authentication failed", 401)
        token, lifetime = env["scope3.pact.token"]._pact_issue(client)
        return _json({"access_token": token, "token_type": "Bearer", "expires_in": lifetime})

    def _client(self):
        """(client, error response) of the request's bearer token."""
        header = request.httprequest.headers.get("Authorization", "")
        if header[:7].lower() != "bearer " or not header[7:].strip():
            return None, _error("BadRequest", "A bearer token is required", 401)
        client, code = _env()["scope3.pact.token"]._pact_check(header[7:].strip())
        if code == "TokenExpired":
            return None, _error("TokenExpired", "The access token has expired", 401)
        if not client:
            return None, _error("BadRequest", "Invalid token provided", 401)
        return client, None

    # ------------------------------------------------------------------------ footprints

    @http.route("/3/footprints", methods=["GET"], readonly=True, **ROUTE)
    def pact_list_footprints(self, **_query):
        if not _is_https():
            return _error("AccessDenied", "HTTPS is required", 403)
        client, error = self._client()
        if error:
            return error
        try:
            query = pact_v3.parse_list_query(request.httprequest.args.items(multi=True))
        except pact_v3.PactError as exc:
            return _error(exc.code, exc.message, 400)
        Footprint = _env()["scope3.product.footprint"]
        domain = Footprint._pact_domain(client.company_id, query)
        total = Footprint.search_count(domain)
        footprints = Footprint.search(domain, limit=query.limit, offset=query.offset, order="id")
        link = pact_v3.pagination_links(f"{_base_url()}/3/footprints", query, total)
        headers = [("Link", link)] if link else []
        return _json({"data": [fp._pact_dict() for fp in footprints]}, headers=headers)

    @http.route("/3/footprints/<string:pf_id>", methods=["GET"], readonly=True, **ROUTE)
    def pact_get_footprint(self, pf_id, **_query):
        if not _is_https():
            return _error("AccessDenied", "HTTPS is required", 403)
        client, error = self._client()
        if error:
            return error
        if not pact_v3.is_uuid(pf_id):
            return _error("BadRequest", "The footprint id must be a UUID", 400)
        footprint = _env()["scope3.product.footprint"].search(
            [("pf_uuid", "=", pf_id.lower()), ("state", "=", "approved")], limit=1
        )
        if not footprint:
            return _error("NotFound", f"Footprint with ID '{pf_id}' does not exist", 404)
        if footprint.company_id != client.company_id:
            return _error("AccessDenied", "This footprint is not shared with you", 403)
        return _json({"data": footprint._pact_dict()})

    # ---------------------------------------------------------------------------- events

    @http.route("/3/events", methods=["POST"], readonly=False, **ROUTE)
    def pact_events(self, **_params):
        if not _is_https():
            return _error("AccessDenied", "HTTPS is required", 403)
        client, error = self._client()
        if error:
            return error
        if request.httprequest.mimetype not in EVENT_TYPES:
            return _error("BadRequest", "The event must be application/cloudevents+json", 400)
        try:
            body = json.loads(request.httprequest.get_data(as_text=True) or "null")
        except ValueError:
            return _error("BadRequest", "The body is not valid JSON", 400)
        try:
            event = pact_v3.parse_event(body)
        except pact_v3.PactError as exc:
            return _error(exc.code, exc.message, 400)
        try:
            _env()["scope3.pact.event"]._pact_receive(client, event, body)
        except pact_v3.PactError as exc:
            return _error(exc.code, exc.message, 400)
        return request.make_response("", headers=[("Cache-Control", "no-store")], status=200)
