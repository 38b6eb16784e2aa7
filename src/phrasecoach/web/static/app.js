/* phrasecoach agent page. Plain JavaScript, no dependencies, no build step.
 *
 * The draft is a transparent <textarea> over a layer (#highlights) that mirrors its text with
 * <mark>s, so flagged spans are coloured in place while the agent types. Typing only re-renders
 * that layer (spans are shifted through the edit); the findings list is rebuilt when a check
 * answers. Every check carries a sequence number and answers to anything but the latest are dropped.
 *
 * The server reports offsets in code points (Python string indices); JavaScript strings index
 * UTF-16 code units, so offsets are converted before use (an emoji is 1 code point, 2 units).
 */
(() => {
  "use strict";

  const DEBOUNCE_MS = 300;
  const TIMEOUT_MS = 15000;
  const RETRY_MS = 5000;
  const MAX_SUGGESTIONS = 3;

  const $ = (id) => document.getElementById(id);
  const app = $("app"), draft = $("draft"), layer = $("highlights");
  const list = $("findings"), status = $("status"), errorBox = $("error");
  const scoreBox = $("score"), scoreValue = $("score-value"), count = $("count");
  const strengthsBox = $("strengths"), strengthList = $("strength-list");
  const applySafeBtn = $("apply-safe"), copyBtn = $("copy");
  const pickyBox = $("picky"), contextBox = $("context");

  let seq = 0;              // number of the latest check sent; older answers are ignored
  let inflight = null;      // AbortController of the latest check
  let debounceTimer = 0, retryTimer = 0;
  let prevText = "";        // the text the highlight layer currently mirrors
  let report = null;        // latest report, for the text in `checkedText`
  let checkedText = null;
  let findings = [];        // report findings plus UTF-16 offsets s/e (shifted as the agent types)
  let strengths = [];
  let restoreFocus = null;  // after a keyboard-applied suggestion: where focus goes next
  const ruleCache = new Map();

  // ---- offsets ----------------------------------------------------------------------------

  /** A function mapping code-point offsets in `text` to UTF-16 offsets. */
  function cpToUtf16(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
    const map = [0];
    let u = 0;
    for (const ch of text) { u += ch.length; map.push(u); }
    return (i) => map[Math.max(0, Math.min(i, map.length - 1))];
  }

  /** Keep spans on the same words while the agent edits: shift those after the edit, drop those in it. */
  function shiftSpans(oldText, newText) {
    if (oldText === newText) return;
    const max = Math.min(oldText.length, newText.length);
    let p = 0;
    while (p < max && oldText.charCodeAt(p) === newText.charCodeAt(p)) p++;
    let s = 0;
    while (s < max - p && oldText.charCodeAt(oldText.length - 1 - s) === newText.charCodeAt(newText.length - 1 - s)) s++;
    const oldEnd = oldText.length - s, delta = newText.length - oldText.length;
    for (const span of findings.concat(strengths)) {
      if (span.gone || span.e <= p) continue;
      if (span.s >= oldEnd) { span.s += delta; span.e += delta; } else span.gone = true;
    }
  }

  // ---- the highlight layer ----------------------------------------------------------------

  function renderHighlights(text) {
    const spans = [];
    findings.forEach((f, i) => { if (!f.gone && f.e > f.s) spans.push({ s: f.s, e: f.e, f: i }); });
    strengths.forEach((g) => { if (!g.gone && g.e > g.s) spans.push({ s: g.s, e: g.e, f: -1 }); });
    const frag = document.createDocumentFragment();
    if (spans.length) {
      const cuts = new Set([0, text.length]);
      for (const sp of spans) { cuts.add(sp.s); cuts.add(sp.e); }
      const points = [...cuts].filter((x) => x >= 0 && x <= text.length).sort((a, b) => a - b);
      for (let k = 0; k + 1 < points.length; k++) {
        const a = points[k], b = points[k + 1], piece = text.slice(a, b);
        const over = spans.filter((sp) => sp.s <= a && sp.e >= b);
        if (!over.length) { frag.append(piece); continue; }
        const mark = document.createElement("mark");
        const hits = over.filter((sp) => sp.f >= 0);
        if (hits.length) {
          mark.className = "hl";
          mark.dataset.category = findings[hits[0].f].category;
          mark.dataset.f = hits.map((sp) => sp.f).join(" ");
        } else {
          mark.className = "hl-good";
        }
        mark.textContent = piece;
        frag.append(mark);
      }
    } else {
      frag.append(text);
    }
    layer.replaceChildren(frag);
    prevText = text;
  }

  function autosize() {
    draft.style.height = "auto";
    draft.style.height = draft.scrollHeight + (draft.offsetHeight - draft.clientHeight) + "px";
  }

  function updateCount(text) {
    let n = text.length;
    if (/[\uD800-\uDFFF]/.test(text)) n = [...text].length;
    count.textContent = `${n.toLocaleString()} character${n === 1 ? "" : "s"}`;
  }

  // ---- talking to the server --------------------------------------------------------------

  /** The report object, whether the server answers with it or wraps it. */
  function unwrapReport(data) {
    if (Array.isArray(data)) return unwrapReport(data[0]);
    if (!data || typeof data !== "object") return null;
    if (Array.isArray(data.findings)) return data;
    for (const key of ["report", "result", "data"]) if (data[key]) return unwrapReport(data[key]);
    for (const key of ["reports", "results"]) if (Array.isArray(data[key])) return unwrapReport(data[key][0]);
    return null;
  }

  /** The server's own words from a JSON (or text) error body, if any. */
  function serverDetail(body) {
    if (!body) return "";
    if (typeof body === "string") return body.slice(0, 300);
    const pick = (v) => {
      if (!v) return "";
      if (typeof v === "string") return v;
      if (Array.isArray(v)) return v.map((x) => (x && (x.msg || x.message)) || String(x)).join("; ");
      if (typeof v === "object") return v.message || v.detail || v.msg || "";
      return String(v);
    };
    return String(pick(body.detail) || pick(body.error) || pick(body.message) || "").slice(0, 300);
  }

  class HttpError extends Error {
    constructor(statusCode, detail) { super(detail || `HTTP ${statusCode}`); this.status = statusCode; this.detail = detail; }
  }

  async function api(method, path, payload, signal) {
    const opts = { method, headers: { Accept: "application/json" }, signal };
    if (payload !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(payload);
    }
    const res = await fetch(path, opts);
    const raw = await res.text();
    let body = raw;
    try { body = raw ? JSON.parse(raw) : null; } catch (_) { /* keep text */ }
    if (!res.ok) throw new HttpError(res.status, serverDetail(body));
    return body;
  }

  function describeError(err, text) {
    if (err instanceof HttpError) {
      const said = err.detail ? ` The server said: “${err.detail}”` : "";
      if (err.status === 413) {
        const n = [...text].length.toLocaleString();
        const limit = /limit is (\d+)/.exec(err.detail || "");
        const max = limit ? `; the limit is ${Number(limit[1]).toLocaleString()}` : "";
        return `This draft is too long to check (${n} characters${max}). Shorten it or split it into two messages.` +
          (limit ? "" : said);
      }
      if (err.status === 401 || err.status === 403) return `The server needs an API key, which this page does not send.${said}`;
      if (err.status === 404) return "This server has no phrasecoach check endpoint (HTTP 404). Is it phrasecoach?";
      if (err.status === 422 || err.status === 400) return `The server could not read this draft.${said}`;
      if (err.status === 429) return `The server is busy; it will be checked again shortly.${said}`;
      return `The server could not check this draft (HTTP ${err.status}).${said}`;
    }
    if (err && err.name === "TimeoutError") return "The server took too long to answer. It will be checked again when you type.";
    return "Can't reach the phrasecoach server. Check that “phrasecoach serve” is still running; your draft is kept and is checked again as soon as the server answers.";
  }

  function showError(msg) {
    errorBox.textContent = msg;
    errorBox.hidden = false;
  }
  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  function scheduleCheck(delay) {
    clearTimeout(debounceTimer);
    clearTimeout(retryTimer);
    debounceTimer = setTimeout(check, delay);
  }

  async function check() {
    clearTimeout(debounceTimer);
    clearTimeout(retryTimer);
    const text = draft.value;
    const id = ++seq;
    if (inflight) inflight.abort();
    inflight = null;
    if (!text.trim()) { setReport(text, null); return; }
    const ctl = new AbortController();
    inflight = ctl;
    const timer = setTimeout(() => ctl.abort(new DOMException("timed out", "TimeoutError")), TIMEOUT_MS);
    app.dataset.state = "checking";
    try {
      const body = { text };
      if (pickyBox.checked) body.level = "picky";    // also the rules less often right on real chats
      if (contextBox.value.trim()) body.context = contextBox.value;
      const data = await api("POST", "v1/check", body, ctl.signal);
      if (id !== seq || draft.value !== text) return;       // stale: a newer check is on its way
      const rep = unwrapReport(data);
      if (!rep) throw new HttpError(502, "the answer had no report in it");
      clearError();
      setReport(text, rep);
    } catch (err) {
      if (id !== seq) return;                                 // aborted or overtaken by a newer check
      setReport(text, null, true);
      showError(describeError(err, text));
      app.dataset.state = "error";
      status.textContent = "Not checked.";
      if (!(err instanceof HttpError) || err.status === 429 || err.status >= 500) {
        retryTimer = setTimeout(() => { if (draft.value === text) check(); }, RETRY_MS);
      }
    } finally {
      clearTimeout(timer);
      if (inflight === ctl) inflight = null;
    }
  }

  // ---- rendering a report -----------------------------------------------------------------

  function setReport(text, rep, failed = false) {
    report = rep;
    checkedText = rep ? text : null;
    const toU16 = cpToUtf16(text);
    const span = (x) => ({ ...x, s: toU16(x.start), e: toU16(x.end) });
    findings = rep ? (rep.findings || []).map(span) : [];
    strengths = rep ? (rep.strengths || []).map(span) : [];
    renderHighlights(draft.value);
    renderFindings();
    renderScore(rep);
    applySafeBtn.disabled = !safeCount();
    applySafeBtn.textContent = safeCount() ? `Apply all safe rewrites (${safeCount()})` : "Apply all safe rewrites";
    if (failed) return;
    app.dataset.state = rep ? "ok" : "empty";
    if (!rep) {
      status.textContent = "Start typing to check your draft.";
      clearError();
    } else {
      const n = findings.length, g = strengths.length;
      const parts = [n ? `${n} finding${n === 1 ? "" : "s"}` : "No findings: this reads well"];
      if (g) parts.push(`${g} strength${g === 1 ? "" : "s"}`);
      parts.push(`score ${rep.score} out of 100`);
      status.textContent = parts.join(" · ") + ".";
    }
    if (restoreFocus) { const f = restoreFocus; restoreFocus = null; f(); }
  }

  function safeCount() {
    return findings.filter((f) => (f.suggestions || []).some((s) => s.applicability === "safe" && s.replacement !== f.text)).length;
  }

  function renderScore(rep) {
    if (!rep || typeof rep.score !== "number") {
      scoreValue.textContent = "–";
      scoreBox.dataset.band = "none";
      return;
    }
    scoreValue.textContent = String(rep.score);
    scoreBox.dataset.band = rep.score >= 85 ? "good" : rep.score >= 60 ? "fair" : "poor";
  }

  function el(tag, attrs = {}, ...kids) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "hidden") node.hidden = v;
      else if (k === "style") node.style.cssText = v;  // CSSOM: allowed by the page's CSP (no inline style attributes)
      else node.setAttribute(k, v);
    }
    node.append(...kids);
    return node;
  }

  function renderFindings() {
    const frag = document.createDocumentFragment();
    findings.forEach((f, i) => {
      const sugg = (f.suggestions || []).slice(0, MAX_SUGGESTIONS);
      const whyId = `why-${i}`;
      const group = el("div", { class: "suggestions", role: "group", "aria-label": `Suggestions for “${f.text}”` });
      sugg.forEach((s, j) => {
        const btn = el("button", { type: "button", class: "sugg", dataset: { f: i, s: j, applicability: s.applicability } },
          el("span", { class: "sr-only" }, "Replace with: "),
          el("span", { class: "sugg-text" }, s.replacement || "(remove it)"),
          el("span", { class: "tag" }, s.applicability));
        if (s.title) btn.title = s.title;
        group.append(btn);
      });
      const li = el("li", { class: "finding", dataset: { f: i, category: f.category, rule: f.rule } },
        el("div", { class: "finding-head" },
          el("span", { class: "chip" }, f.category),
          el("q", { class: "quote" }, f.text),
          el("span", { class: "rule-id", title: f.name || "" }, f.rule)),
        el("p", { class: "msg" }, f.message),
        sugg.length ? group : el("p", { class: "hint" }, "No rewrite for this one; reword it yourself."),
        el("button", { type: "button", class: "why-btn", "aria-expanded": "false", "aria-controls": whyId, dataset: { rule: f.rule } }, "Why?"),
        el("div", { class: "why", id: whyId, hidden: true }));
      frag.append(li);
    });
    list.replaceChildren(frag);
    list.hidden = !findings.length;

    strengthList.replaceChildren(...strengths.map((g) =>
      el("li", {}, g.message ? `${g.message.replace(/\.$/, "")}: ` : "", el("q", {}, g.text))));
    strengthsBox.hidden = !strengths.length;
  }

  // ---- actions ----------------------------------------------------------------------------

  /** Replace [s, e) of the draft, through the editing commands so Ctrl+Z still undoes it. */
  function replaceRange(s, e, str) {
    const before = draft.value;
    const expected = before.slice(0, s) + str + before.slice(e);
    draft.focus();
    draft.setSelectionRange(s, e);
    try {
      if (str) document.execCommand("insertText", false, str);
      else if (e > s) document.execCommand("delete");
    } catch (_) { /* fall back below */ }
    if (draft.value !== expected) {      // no editing commands here: set the value directly
      draft.value = expected;
      draft.setSelectionRange(s + str.length, s + str.length);
      onEdit(false);
    }
  }

  function applySuggestion(fi, si, byKeyboard) {
    const f = findings[fi];
    const s = f && (f.suggestions || [])[si];
    if (!s) return;
    if (f.gone || draft.value.slice(f.s, f.e) !== f.text) {
      status.textContent = "That part of the draft has changed; checking again.";
      check();
      return;
    }
    replaceRange(f.s, f.e, s.replacement);
    if (byKeyboard) {
      // Keep keyboard users in the findings list: next finding's first suggestion, or the heading.
      restoreFocus = () => {
        const target = list.querySelector(`li[data-f="${Math.min(fi, findings.length - 1)}"] .sugg`) || list.querySelector(".sugg");
        (target || $("results-h")).focus();
      };
    }
    check();
  }

  async function applyAllSafe() {
    const text = draft.value;
    if (!text.trim()) return;
    applySafeBtn.disabled = true;
    let rewritten = null;
    try {
      const data = await api("POST", "v1/rewrite", { text, applicability: "safe" });
      const item = Array.isArray(data) ? data[0] : (data && (data.result || data.results?.[0])) || data;
      if (item && typeof item.rewritten === "string") rewritten = item.rewritten;
    } catch (err) {
      if (!(err instanceof HttpError && (err.status === 404 || err.status === 405))) {
        showError(describeError(err, text));
        applySafeBtn.disabled = !safeCount();
        return;
      }
    }
    if (rewritten === null && report && checkedText === text) rewritten = report.rewritten;
    if (draft.value !== text) return;                      // the agent kept typing; leave it
    if (typeof rewritten !== "string" || rewritten === text) {
      status.textContent = "Nothing safe left to apply.";
      applySafeBtn.disabled = !safeCount();
      return;
    }
    replaceRange(0, text.length, rewritten);
    check();
  }

  async function copyDraft() {
    const text = draft.value;
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); ok = true; }
    } catch (_) { ok = false; }
    if (!ok) {
      const ta = el("textarea", { "aria-hidden": "true", readonly: "", style: "position:fixed;top:-1000px;opacity:0" });
      ta.value = text;
      document.body.append(ta);
      ta.select();
      try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
      ta.remove();
      copyBtn.focus();
    }
    copyBtn.textContent = ok ? "Copied" : "Copy failed";
    copyBtn.classList.toggle("done", ok);
    status.textContent = ok ? "Copied to the clipboard." : "Could not copy: select the draft and press Ctrl+C.";
    clearTimeout(copyDraft.timer);
    copyDraft.timer = setTimeout(() => { copyBtn.textContent = "Copy"; copyBtn.classList.remove("done"); }, 2000);
  }

  async function toggleWhy(btn) {
    const box = $(btn.getAttribute("aria-controls"));
    const open = btn.getAttribute("aria-expanded") !== "true";
    btn.setAttribute("aria-expanded", String(open));
    box.hidden = !open;
    if (!open || box.dataset.loaded) return;
    const id = btn.dataset.rule;
    box.textContent = "Loading…";
    try {
      if (!ruleCache.has(id)) ruleCache.set(id, api("GET", `v1/rules/${encodeURIComponent(id)}`));
      let rule = await ruleCache.get(id);
      if (rule && rule.rule && typeof rule.rule === "object") rule = rule.rule;
      const parts = [el("p", {}, (rule && (rule.why || rule.message)) || "No explanation for this rule.")];
      const ex = rule && rule.examples && Array.isArray(rule.examples.flag) ? rule.examples.flag[0] : null;
      if (ex && ex.text) {
        const better = ex.rewrite || ex.suggestion;
        parts.push(el("p", {}, el("strong", {}, "Example: "), `“${ex.text.replace(/\[\[|\]\]/g, "")}”`,
          better ? ` → “${better}”` : ""));
      }
      box.replaceChildren(...parts);
      box.dataset.loaded = "1";
    } catch (err) {
      ruleCache.delete(id);
      box.textContent = "Couldn't load the explanation: " + describeError(err, "");
    }
  }

  function highlightFinding(i, on) {
    for (const m of layer.querySelectorAll(`mark[data-f~="${i}"]`)) m.classList.toggle("active", on);
  }

  // ---- wiring -----------------------------------------------------------------------------

  function onEdit(pasted) {
    const text = draft.value;
    shiftSpans(prevText, text);
    renderHighlights(text);
    autosize();
    updateCount(text);
    scheduleCheck(pasted ? 0 : DEBOUNCE_MS);
  }

  draft.addEventListener("input", (e) => onEdit(e.inputType === "insertFromPaste" || e.inputType === "insertFromDrop"));
  list.addEventListener("click", (e) => {
    const sugg = e.target.closest("button.sugg");
    if (sugg) { applySuggestion(Number(sugg.dataset.f), Number(sugg.dataset.s), e.detail === 0); return; }
    const why = e.target.closest("button.why-btn");
    if (why) toggleWhy(why);
  });
  for (const type of ["mouseover", "focusin"]) {
    list.addEventListener(type, (e) => { const li = e.target.closest("li.finding"); if (li) highlightFinding(li.dataset.f, true); });
  }
  for (const type of ["mouseout", "focusout"]) {
    list.addEventListener(type, (e) => { const li = e.target.closest("li.finding"); if (li) highlightFinding(li.dataset.f, false); });
  }
  applySafeBtn.addEventListener("click", applyAllSafe);
  pickyBox.addEventListener("change", () => { if (draft.value.trim()) check(); });
  contextBox.addEventListener("input", () => {
    clearTimeout(debounceTimer);
    if (draft.value.trim()) debounceTimer = setTimeout(check, DEBOUNCE_MS);
  });
  copyBtn.addEventListener("click", copyDraft);
  window.addEventListener("resize", autosize);
  $("results-h").tabIndex = -1;

  list.hidden = true;
  autosize();
  if (draft.value) onEdit(true); else updateCount("");
})();
