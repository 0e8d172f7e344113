# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The templates of why an activity has no figure, and their parser.

The attribution job writes an activity's ``message`` in source terms (``en_US``, as
traces) from these templates, whoever confirmed the document;
``scope3.activity.message_display`` (``scope3_activity_message``) matches each sentence of
a stored message with the template it was made from and renders it in the reader's
language with its values.
"""

import re

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

NO_FACTOR = _lt(
    "No emission factor for this line: give the product (or its category) a NAICS code or "
    "an activity factor, add a mapping rule, or set a company default NAICS code."
)
NO_SET = _lt("No published spend-based emission factor set applies.")
NO_FACTOR_IN_SET = _lt("No factor in %(set)s for %(keys)s.")
UNIT_MISMATCH = _lt(
    "Factors found but not applicable to the line's unit: %(keys)s (give the product a "
    "weight, or use a factor in a compatible unit)."
)
NO_UPSTREAM = _lt(
    "%(product)s is an energy purchase (factor %(factor)s) but that factor has no "
    "well-to-tank companion and no transmission and distribution factor applies: category "
    "3 cannot be computed. Choose a T&D factor on the product, or an energy factor with its "
    "well-to-tank companion."
)
#: the templates of the messages of unmapped activities, in the order they are tried
UNMAPPED_MESSAGES = (NO_FACTOR, NO_SET, NO_FACTOR_IN_SET, UNIT_MISMATCH, NO_UPSTREAM)

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def source_text(template, **values):
    """The message in source terms (what is stored)."""
    return template._source % values if values else template._source


def _pattern(template):
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(template._source):
        parts.append(re.escape(template._source[last : match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+?)")
        last = match.end()
    parts.append(re.escape(template._source[last:]))
    return re.compile("".join(parts) + r"(?= |$)")


_PATTERNS = tuple((template, _pattern(template)) for template in UNMAPPED_MESSAGES)


def parse(text):
    """``text`` as a list of (template, values) sentences, or None when a part of it was
    not made from a template."""
    found, position = [], 0
    while position < len(text):
        for template, pattern in _PATTERNS:
            match = pattern.match(text, position)
            if match:
                found.append((template, match.groupdict()))
                position = match.end()
                break
        else:
            return None
        if text.startswith(" ", position):
            position += 1
    return found
