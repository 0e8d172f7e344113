# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""PACT Technical Specifications V3.0: the pieces of the data model and of the API that do
not need Odoo (parsing, formatting, filter criteria, pagination, validation).

Everything here works on plain Python values; the Odoo layer turns records into the
dataclasses below and back.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

SPEC_VERSION = "3.0.0"
EVENT_PREFIX = "org.wbcsd.pact.ProductFootprint."
EVENT_REQUEST_CREATED = EVENT_PREFIX + "RequestCreatedEvent.3"
EVENT_REQUEST_FULFILLED = EVENT_PREFIX + "RequestFulfilledEvent.3"
EVENT_REQUEST_REJECTED = EVENT_PREFIX + "RequestRejectedEvent.3"
EVENT_PUBLISHED = EVENT_PREFIX + "PublishedEvent.3"
EVENT_TYPES = (
    EVENT_REQUEST_CREATED,
    EVENT_REQUEST_FULFILLED,
    EVENT_REQUEST_REJECTED,
    EVENT_PUBLISHED,
)

#: declaredUnitOfMeasurement values of V3.0 (CarbonFootprint schema)
DECLARED_UNITS = (
    "liter",
    "kilogram",
    "cubic meter",
    "kilowatt hour",
    "megajoule",
    "ton kilometer",
    "square meter",
    "piece",
    "hour",
    "megabit second",
)
STATUSES = ("Active", "Deprecated")
#: the filter criteria of ListFootprints (and of RequestCreatedEvent.data)
LIST_CRITERIA = ("productId", "companyId", "geography", "classification")
DATE_CRITERIA = ("validOn", "validAfter", "validBefore")
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

_URN = re.compile(r"^urn:", re.IGNORECASE)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_SUBDIVISION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_IPCC = re.compile(r"^AR\d+$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE
)


class PactError(ValueError):
    """A request or a document that violates the specification: ``code`` is one of the
    Error codes of V3.0 (BadRequest, NotFound, ...)."""

    def __init__(self, message, code="BadRequest"):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_datetime(value, name="date-time"):
    """An RFC 3339 date-time (with offset or Z) as a naive UTC datetime (Odoo's storage)."""
    if not isinstance(value, str) or not _DATETIME.match(value.strip()):
        raise PactError(f"{name} must be an RFC 3339 date-time, got {value!r}")
    text = value.strip()
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise PactError(f"{name} must be an RFC 3339 date-time, got {value!r}") from exc
    return moment.astimezone(UTC).replace(tzinfo=None)


def format_datetime(moment):
    """A naive UTC datetime as ``YYYY-MM-DDTHH:MM:SSZ``."""
    if not moment:
        return None
    return moment.replace(microsecond=0).isoformat() + "Z"


def format_decimal(value):
    """A float as the spec's decimal string (no exponent, no trailing zeros)."""
    if value is None or value is False:
        return None
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def parse_decimal(value, name, minimum=None, maximum=None, required=True):
    """A decimal string (the spec's ``format: decimal``) as a float, range-checked."""
    if value is None:
        if required:
            raise PactError(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise PactError(f"{name} must be a decimal string, got {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise PactError(f"{name} must be a decimal string, got {value!r}") from exc
    if not number.is_finite():
        raise PactError(f"{name} must be a finite decimal, got {value!r}")
    if minimum is not None and number < minimum:
        raise PactError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and number > maximum:
        raise PactError(f"{name} must be at most {maximum}, got {value}")
    return float(number)


def is_uuid(value):
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def split_lines(text):
    """URN lists are stored one per line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass
class ListQuery:
    """The filter criteria and the page of a ListFootprints call. Within a criterion the
    values are OR-ed, between criteria AND-ed; matches are case-insensitive."""

    product_ids: list = field(default_factory=list)
    company_ids: list = field(default_factory=list)
    geographies: list = field(default_factory=list)
    classifications: list = field(default_factory=list)
    statuses: list = field(default_factory=list)
    valid_on: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None
    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0
    #: the query string items other than limit/offset, kept for the pagination links
    passthrough: list = field(default_factory=list)


_LIST_ATTRS = {
    "productId": "product_ids",
    "companyId": "company_ids",
    "geography": "geographies",
    "classification": "classifications",
    "status": "statuses",
}
_DATE_ATTRS = {"validOn": "valid_on", "validAfter": "valid_after", "validBefore": "valid_before"}


def parse_list_query(items):
    """``items``: the query string as (name, value) pairs. Names are matched as the spec
    writes them and case-insensitively (``productid``); unknown ``x-`` parameters are
    ignored, the deprecated V2 ``$filter`` is refused (400)."""
    query = ListQuery()
    lower_lists = {k.lower(): v for k, v in _LIST_ATTRS.items()}
    lower_dates = {k.lower(): v for k, v in _DATE_ATTRS.items()}
    for name, value in items:
        key = name.lower()
        if key == "limit":
            query.limit = _parse_int(value, "limit", 1, MAX_PAGE_SIZE)
            continue
        if key == "offset":
            query.offset = _parse_int(value, "offset", 0, None)
            continue
        if key == "$filter":
            raise PactError("The $filter parameter of V2 is not supported in V3.0")
        query.passthrough.append((name, value))
        if key in lower_lists:
            getattr(query, lower_lists[key]).append(value)
        elif key in lower_dates:
            setattr(query, lower_dates[key], parse_datetime(value, name))
    return query


def _parse_int(value, name, minimum, maximum):
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise PactError(f"{name} must be an integer, got {value!r}") from exc
    if number < minimum:
        raise PactError(f"{name} must be at least {minimum}")
    if maximum is not None:
        number = min(number, maximum)
    return number


def pagination_links(base_url, query, total):
    """The RFC 8288 ``Link`` header value (absolute URLs) of a page, or None when the
    whole result fits: ``next`` first (what data recipients follow), then first, prev
    and last."""
    if total <= query.limit and query.offset == 0:
        return None

    def url(offset):
        params = [*query.passthrough, ("limit", str(query.limit)), ("offset", str(offset))]
        return f"{base_url}?{urlencode(params)}"

    links = []
    last = max(0, ((total - 1) // query.limit) * query.limit)
    if query.offset + query.limit < total:
        links.append((url(query.offset + query.limit), "next"))
    links.append((url(0), "first"))
    if query.offset > 0:
        links.append((url(max(0, query.offset - query.limit)), "prev"))
    links.append((url(last), "last"))
    return ", ".join(f'<{target}>; rel="{rel}"' for target, rel in links)


# ----------------------------------------------------------------------------- events


@dataclass
class Event:
    """A CloudEvent of PACT V3.0 in structured content mode."""

    type: str
    id: str
    source: str
    time: datetime
    data: dict
    specversion: str = "1.0"


def parse_event(body):
    """Validate a decoded CloudEvent (``body``: the parsed JSON) and return an Event."""
    if not isinstance(body, dict):
        raise PactError("The event must be a JSON object")
    missing = [k for k in ("type", "specversion", "id", "source", "time", "data") if k not in body]
    if missing:
        raise PactError(f"The event lacks the attributes {', '.join(missing)}")
    if body["specversion"] != "1.0":
        raise PactError("specversion must be 1.0")
    if body["type"] not in EVENT_TYPES:
        raise PactError(f"Unsupported event type {body['type']!r}")
    for key in ("id", "source"):
        if not isinstance(body[key], str) or not body[key]:
            raise PactError(f"{key} must be a non-empty string")
    if not isinstance(body["data"], dict):
        raise PactError("data must be an object")
    event = Event(
        type=body["type"],
        id=body["id"],
        source=body["source"],
        time=parse_datetime(body["time"], "time"),
        data=body["data"],
    )
    _EVENT_DATA_CHECKS[event.type](event.data)
    return event


def _check_published(data):
    pf_ids = data.get("pfIds")
    if not isinstance(pf_ids, list) or not pf_ids:
        raise PactError("data.pfIds must be a non-empty list of footprint ids")
    bad = [pf for pf in pf_ids if not is_uuid(pf)]
    if bad:
        raise PactError(f"data.pfIds must be UUIDs, got {bad[0]!r}")


def _check_request_created(data):
    for key in LIST_CRITERIA:
        values = data.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise PactError(f"data.{key} must be a list of strings")
    for key in DATE_CRITERIA:
        if key in data:
            parse_datetime(data[key], f"data.{key}")
    if "comment" in data and not isinstance(data["comment"], str):
        raise PactError("data.comment must be a string")


def _check_fulfilled(data):
    if not isinstance(data.get("requestEventId"), str):
        raise PactError("data.requestEventId is required")
    if not isinstance(data.get("pfs"), list) or not data["pfs"]:
        raise PactError("data.pfs must be a non-empty list")


def _check_rejected(data):
    if not isinstance(data.get("requestEventId"), str):
        raise PactError("data.requestEventId is required")
    error = data.get("error")
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        raise PactError("data.error must be an Error object")


_EVENT_DATA_CHECKS = {
    EVENT_PUBLISHED: _check_published,
    EVENT_REQUEST_CREATED: _check_request_created,
    EVENT_REQUEST_FULFILLED: _check_fulfilled,
    EVENT_REQUEST_REJECTED: _check_rejected,
}


def request_query(data):
    """The ListQuery of a RequestCreatedEvent's criteria."""
    items = []
    for key in LIST_CRITERIA:
        items += [(key, v) for v in data.get(key) or []]
    for key in DATE_CRITERIA:
        if data.get(key):
            items.append((key, data[key]))
    if data.get("status"):
        items.append(("status", data["status"]))
    query = parse_list_query(items)
    query.limit = MAX_PAGE_SIZE
    return query


def make_event(event_type, source, data, event_id=None, now=None):
    return {
        "type": event_type,
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": source,
        "time": format_datetime(now or datetime.now(UTC).replace(tzinfo=None)),
        "data": data,
    }


# ------------------------------------------------------------------ received footprints


@dataclass
class ReceivedFootprint:
    """What the data recipient keeps of a valid ProductFootprint."""

    pf_id: str
    version: int
    status: str
    preceding_pf_ids: list
    company_name: str
    company_ids: list
    product_ids: list
    product_classifications: list
    product_name: str
    declared_unit: str
    declared_unit_amount: float
    pcf_excluding_biogenic: float
    pcf_including_biogenic: float
    reference_period_start: datetime
    reference_period_end: datetime
    validity_start: datetime | None
    validity_end: datetime | None
    primary_data_share: float | None
    dqr: float | None
    verified: bool


def _urns(value, name, required=True):
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value):
        raise PactError(f"{name} must be a non-empty list of URNs")
    for urn in value:
        if not isinstance(urn, str) or not _URN.match(urn):
            raise PactError(f"{name} must hold URNs, got {urn!r}")
    return list(value)


def _check_header(pf, required):
    missing = [k for k in required if k not in pf]
    if missing:
        raise PactError(f"The footprint lacks {', '.join(missing)}")
    if not is_uuid(pf["id"]):
        raise PactError(f"id must be a UUID, got {pf['id']!r}")
    if not isinstance(pf["specVersion"], str) or not pf["specVersion"].startswith("3."):
        raise PactError(f"specVersion must be 3.x, got {pf['specVersion']!r}")
    if pf["status"] not in STATUSES:
        raise PactError(f"status must be Active or Deprecated, got {pf['status']!r}")
    parse_datetime(pf["created"], "created")
    preceding = pf.get("precedingPfIds") or []
    if not isinstance(preceding, list) or not all(is_uuid(p) for p in preceding):
        raise PactError("precedingPfIds must be a list of UUIDs")


def _check_pcf_extras(pcf):
    parse_decimal(pcf["productMassPerDeclaredUnit"], "pcf.productMassPerDeclaredUnit", 0)
    parse_decimal(pcf["fossilGhgEmissions"], "pcf.fossilGhgEmissions", minimum=0)
    parse_decimal(pcf["fossilCarbonContent"], "pcf.fossilCarbonContent", minimum=0)
    parse_decimal(pcf["exemptedEmissionsPercent"], "pcf.exemptedEmissionsPercent", 0, 5)
    ipcc = pcf["ipccCharacterizationFactors"]
    if (
        not isinstance(ipcc, list)
        or not ipcc
        or not all(isinstance(x, str) and _IPCC.match(x) for x in ipcc)
    ):
        raise PactError("pcf.ipccCharacterizationFactors must list AR<n> values")
    standards = pcf["crossSectoralStandards"]
    if not isinstance(standards, list) or not standards:
        raise PactError("pcf.crossSectoralStandards must be a non-empty list")
    geo = [k for k in ("geographyRegionOrSubregion", "geographyCountry") if k in pcf]
    geo += ["geographyCountrySubdivision"] if "geographyCountrySubdivision" in pcf else []
    if len(geo) > 1:
        raise PactError("pcf has more than one geography")
    if "geographyCountry" in pcf and not _COUNTRY.match(str(pcf["geographyCountry"])):
        raise PactError("pcf.geographyCountry must be an ISO 3166-1 alpha-2 code")
    if "geographyCountrySubdivision" in pcf and not _SUBDIVISION.match(
        str(pcf["geographyCountrySubdivision"])
    ):
        raise PactError("pcf.geographyCountrySubdivision must be an ISO 3166-2 code")


def parse_footprint(pf):
    """Validate a ProductFootprint (V3.0, the required fields and the ranges that matter
    for a ledger) and return a ReceivedFootprint; PactError on the first violation."""
    if not isinstance(pf, dict):
        raise PactError("A ProductFootprint must be an object")
    required = (
        "id",
        "specVersion",
        "created",
        "status",
        "companyName",
        "companyIds",
        "productDescription",
        "productIds",
        "productNameCompany",
        "pcf",
    )
    _check_header(pf, required)
    preceding = pf.get("precedingPfIds") or []
    pcf = pf["pcf"]
    if not isinstance(pcf, dict):
        raise PactError("pcf must be an object")
    pcf_required = (
        "declaredUnitOfMeasurement",
        "declaredUnitAmount",
        "productMassPerDeclaredUnit",
        "referencePeriodStart",
        "referencePeriodEnd",
        "pcfExcludingBiogenicUptake",
        "pcfIncludingBiogenicUptake",
        "fossilGhgEmissions",
        "fossilCarbonContent",
        "ipccCharacterizationFactors",
        "crossSectoralStandards",
        "exemptedEmissionsPercent",
    )
    missing = [k for k in pcf_required if k not in pcf]
    if missing:
        raise PactError(f"pcf lacks {', '.join(missing)}")
    unit = pcf["declaredUnitOfMeasurement"]
    if unit not in DECLARED_UNITS:
        raise PactError(f"Unknown declaredUnitOfMeasurement {unit!r}")
    amount = parse_decimal(pcf["declaredUnitAmount"], "pcf.declaredUnitAmount", minimum=0)
    if amount == 0:
        raise PactError("pcf.declaredUnitAmount must be strictly positive")
    excluding = parse_decimal(
        pcf["pcfExcludingBiogenicUptake"], "pcf.pcfExcludingBiogenicUptake", minimum=0
    )
    including = parse_decimal(pcf["pcfIncludingBiogenicUptake"], "pcf.pcfIncludingBiogenicUptake")
    _check_pcf_extras(pcf)
    start = parse_datetime(pcf["referencePeriodStart"], "pcf.referencePeriodStart")
    end = parse_datetime(pcf["referencePeriodEnd"], "pcf.referencePeriodEnd")
    if end < start:
        raise PactError("pcf.referencePeriodEnd is before pcf.referencePeriodStart")
    share = None
    if "primaryDataShare" in pcf:
        share = parse_decimal(pcf["primaryDataShare"], "pcf.primaryDataShare", 0, 100)
    dqr = None
    dqi = pcf.get("dqi")
    if dqi is not None:
        if not isinstance(dqi, dict):
            raise PactError("pcf.dqi must be an object")
        ratings = [
            parse_decimal(dqi.get(k), f"pcf.dqi.{k}", 1, 3)
            for k in ("technologicalDQR", "geographicalDQR", "temporalDQR")
        ]
        dqr = round(sum(ratings) / len(ratings), 1)
    validity_start = validity_end = None
    if pf.get("validityPeriodStart"):
        validity_start = parse_datetime(pf["validityPeriodStart"], "validityPeriodStart")
    if pf.get("validityPeriodEnd"):
        validity_end = parse_datetime(pf["validityPeriodEnd"], "validityPeriodEnd")
    if validity_start and validity_end and validity_end < validity_start:
        raise PactError("validityPeriodEnd is before validityPeriodStart")
    version = pf.get("version", 1)
    if not isinstance(version, int) or version < 0:
        raise PactError("version must be a non-negative integer")
    return ReceivedFootprint(
        pf_id=pf["id"].lower(),
        version=version,
        status=pf["status"],
        preceding_pf_ids=[p.lower() for p in preceding],
        company_name=str(pf["companyName"]),
        company_ids=_urns(pf["companyIds"], "companyIds"),
        product_ids=_urns(pf["productIds"], "productIds"),
        product_classifications=_urns(
            pf.get("productClassifications"), "productClassifications", required=False
        ),
        product_name=str(pf["productNameCompany"]),
        declared_unit=unit,
        declared_unit_amount=amount,
        pcf_excluding_biogenic=excluding,
        pcf_including_biogenic=including,
        reference_period_start=start,
        reference_period_end=end,
        validity_start=validity_start,
        validity_end=validity_end,
        primary_data_share=share,
        dqr=dqr,
        verified=bool(pcf.get("verification")),
    )
