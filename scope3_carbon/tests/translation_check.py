# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Find the add-ons' strings a French reader would see in English.

A rendered string is compared with the add-on's translation template (``i18n/<addon>.pot``)
and its French catalogue (``i18n/fr.po``). It is reported when it is a msgid of the
template and

- ``fr.po`` has no translation for it (missing or empty msgstr): "untranslated";
- or ``fr.po`` translates it into something else: the French session shows the English
  text, so it was not translated at display time: "shown in English".

Names of demo records are left out too: a finding or a report keeps the name its subject
had when it was made (data, not a label of the add-on).

Strings that are also msgids of the other installed modules (Odoo's own "Company",
"Status"...) are left out: Odoo's terms are not loaded in the tests, and whether "Company"
on a screen comes from the add-on or from Odoo cannot be told from the screen.
"""

import ast
import os
import re

import polib
from lxml import etree

from odoo.modules.module import get_module_path, load_manifest

_MSGID = re.compile(r'^msgid "(.+)"$', re.M)


def demo_xmlids(module):
    """The XML ids of the records of the add-on's demo files."""
    root = get_module_path(module)
    ids = set()
    for name in load_manifest(module).get("demo", []):
        if name.endswith(".xml"):
            for node in etree.parse(os.path.join(root, name)).iter("record"):
                xmlid = node.get("id", "")
                ids.add(xmlid if "." in xmlid else f"{module}.{xmlid}")
    return ids


def _is_demo(occurrence, demo):
    """``model:product.template,name:scope3_carbon.product_x_product_template`` of the
    demo record ``scope3_carbon.product_x`` (or of that record itself)."""
    if not occurrence.startswith("model:"):
        return False
    xmlid = occurrence.rsplit(":", 1)[-1]
    return any(xmlid == d or xmlid.startswith(d + "_") for d in demo)


def catalogue(module, lang="fr"):
    """``{msgid: msgstr}`` of the add-on's template but the names of its demo records,
    msgstr ``""`` when ``<lang>.po`` has none (or a fuzzy one, which Odoo does not load)."""
    demo = demo_xmlids(module)
    path = os.path.join(get_module_path(module), "i18n")
    translated = {
        entry.msgid: entry.msgstr
        for entry in polib.pofile(os.path.join(path, f"{lang}.po"))
        if not entry.obsolete and "fuzzy" not in entry.flags
    }
    return {
        entry.msgid: translated.get(entry.msgid, "")
        for entry in polib.pofile(os.path.join(path, f"{module}.pot"))
        if not entry.obsolete
        and not all(_is_demo(source, demo) for source, _line in entry.occurrences)
    }


def other_msgids(env, modules):
    """The one-line msgids of the templates of every other installed module."""
    result = set()
    names = env["ir.module.module"].sudo().search([("state", "=", "installed")]).mapped("name")
    for name in set(names) - set(modules):
        path = get_module_path(name, display_warning=False)
        pot = path and os.path.join(path, "i18n", f"{name}.pot")
        if not pot or not os.path.exists(pot):
            continue
        with open(pot, encoding="utf-8") as file:
            for literal in _MSGID.findall(file.read()):
                try:
                    result.add(ast.literal_eval(f'"{literal}"'))
                except (SyntaxError, ValueError):
                    continue
    return result


#: strings shown in English to a French reader that are not ours to translate (none now: an
#: unmapped activity's message is stored in source terms and rendered in the reader's
#: language, ``scope3_activity_message``)
KNOWN_STORED_IN_ENGLISH = ()


def normalize(text):
    return " ".join(str(text).split())


class UntranslatedFinder:
    """``find(texts)``: ``["<text>: <why>"]`` for the texts a French session shows in English."""

    def __init__(self, env, modules, lang="fr"):
        self.modules = modules
        self.catalogue = {}
        for module in modules:
            for msgid, msgstr in catalogue(module, lang).items():
                msgid = normalize(msgid)
                # a msgid both add-ons have: translated if either translates it
                if msgstr or msgid not in self.catalogue:
                    self.catalogue[msgid] = msgstr
        self.others = {normalize(msgid) for msgid in other_msgids(env, modules)}

    def why(self, text):
        text = normalize(text)
        if text not in self.catalogue or text in self.others:
            return None
        msgstr = self.catalogue[text]
        if not msgstr:
            return "untranslated in fr.po"
        if normalize(msgstr) != text:
            return f"shown in English (fr.po: {msgstr!r})"
        return None

    def find(self, texts, where=""):
        problems = []
        for text in sorted({normalize(t) for t in texts if t and str(t).strip()}):
            why = self.why(text)
            if why:
                problems.append(f"{where}{text!r}: {why}")
        return problems
