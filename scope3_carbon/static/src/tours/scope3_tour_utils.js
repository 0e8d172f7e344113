/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

/** Resolve with what ``check`` returns once it is truthy; fail after ``timeout`` ms. */
export async function waitFor(check, what, timeout = 10000) {
    const start = Date.now();
    for (;;) {
        const result = check();
        if (result) {
            return result;
        }
        if (Date.now() - start > timeout) {
            throw new Error(`Timeout: ${what}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

/** text -> where it was first seen */
const texts = {};

/**
 * Remember the text the user sees now (the navigation bar, the action, a dialog, a report in
 * an iframe): each line and table cell of it. ``reportTexts`` hands them to the test, which
 * compares them with the add-ons' translation templates (tests/test_ui.py); ``where`` says
 * on which screen (a step's description) a text was first seen.
 */
export function collectTexts(where = "", roots = null) {
    roots ||= [
        ...document.querySelectorAll(".o_main_navbar, .o_action_manager, .modal, .o-dropdown--menu"),
    ];
    for (const frame of document.querySelectorAll(".o_action_manager iframe")) {
        if (frame.contentDocument?.body) {
            roots.push(frame.contentDocument.body);
        }
    }
    for (const root of roots) {
        for (const piece of (root.innerText || "").split(/[\n\t]+/)) {
            const text = piece.replace(/\s+/g, " ").trim();
            if (text && !(text in texts)) {
                texts[text] = where;
            }
        }
    }
}

/** Remember the text of an HTML page fetched from ``url`` (e.g. a report's HTML). */
export async function collectTextsOf(url, where) {
    const response = await fetch(url);
    if (!response.ok) {
        throw new Error(`${url}: ${response.status}`);
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    // innerText needs a rendered element: lay the page out, off screen
    const frame = document.createElement("div");
    frame.style.cssText = "position: fixed; left: -10000px; width: 1000px;";
    frame.append(...page.body.children);
    document.body.append(frame);
    try {
        collectTexts(where, [frame]);
    } finally {
        frame.remove();
    }
}

/** A step that waits for ``trigger`` then remembers the screen's text. */
export function collectStep(content, trigger) {
    return { content, trigger, run: () => collectTexts(content) };
}

/** The last step: the texts seen, in one console line the test reads. */
export function reportTextsStep() {
    return {
        content: "Hand the texts seen to the test",
        trigger: "body",
        run() {
            collectTexts("the last screen");
            console.log("scope3-texts " + JSON.stringify(texts));
        },
    };
}
