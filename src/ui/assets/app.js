// smsmerge ui: the little the page needs beyond HTML. Every change goes to the server with
// the CSRF token of the page's <meta name="csrf">; the server checks it and the Origin.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf"]').content;

function post(url, body, type) {
  const headers = { "x-csrf-token": csrf() };
  if (type) headers["content-type"] = type;
  return fetch(url, { method: "POST", headers, body, credentials: "same-origin" });
}

function showError(where, text) {
  let p = document.getElementById("book-error");
  if (!p) {
    p = document.createElement("p");
    p.id = "book-error";
    p.className = "error";
    p.dir = "auto";
    where.after(p);
  }
  p.textContent = text;
}

// Step 1: a file dropped on the page or chosen is sent as it is; the page then shows it.
function upload(drop, file) {
  const url = drop.dataset.action + "&name=" + encodeURIComponent(file.name);
  drop.classList.add("busy");
  post(url, file, "application/octet-stream").then(async (r) => {
    drop.classList.remove("busy");
    if (r.ok) {
      location.href = "/";
    } else {
      showError(drop, r.status === 413 ? "The file is larger than the page accepts (--max-upload-mb)." : await r.text());
    }
  });
}

function setupDrop() {
  const drop = document.getElementById("drop");
  if (!drop) return;
  ["dragenter", "dragover"].forEach((e) => drop.addEventListener(e, (ev) => { ev.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((e) => drop.addEventListener(e, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    if (ev.dataTransfer.files.length) upload(drop, ev.dataTransfer.files[0]);
  });
  const input = document.getElementById("file");
  input.addEventListener("change", () => { if (input.files.length) upload(drop, input.files[0]); });
  // Nothing dropped outside the zone opens the file in the browser instead.
  window.addEventListener("dragover", (ev) => ev.preventDefault());
  window.addEventListener("drop", (ev) => ev.preventDefault());
}

// Step 3: placeholders and the live counter.
function setupMessage() {
  const form = document.getElementById("choices");
  if (!form) return;
  document.querySelectorAll(".autosubmit").forEach((s) => s.addEventListener("change", () => s.form.submit()));
  const area = document.getElementById("template");
  const typed = form.querySelector('input[name="source"][value="typed"]');
  const rows = document.getElementById("counter-rows");
  let timer = null;
  const count = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!typed.checked) { rows.textContent = ""; return; }
      const body = JSON.stringify({ template: area.value, gsm_substitute: document.getElementById("gsm_substitute").checked });
      post(form.dataset.count, body, "application/json").then((r) => r.json()).then((answer) => {
        rows.textContent = "";
        if (answer.error) {
          const p = document.createElement("p");
          p.className = "error";
          p.id = "counter-error";
          p.dir = "auto";
          p.textContent = answer.error;
          rows.append(p);
          return;
        }
        answer.rows.forEach((row, i) => {
          const div = document.createElement("div");
          div.className = "counted";
          const text = document.createElement("p");
          text.dir = "auto";
          text.textContent = row.text;
          const facts = document.createElement("p");
          facts.className = "facts";
          facts.id = "count-" + i;
          facts.dataset.encoding = row.encoding;
          facts.dataset.segments = row.segments;
          facts.textContent = "row " + row.row + ": " + row.characters + " characters, " + row.encoding + ", " + row.segments + (row.segments === 1 ? " segment" : " segments");
          div.append(text, facts);
          for (const note of [row.lookalikes, row.problem]) {
            if (note) {
              const p = document.createElement("p");
              p.className = "warning";
              p.dir = "auto";
              p.textContent = note;
              div.append(p);
            }
          }
          rows.append(div);
        });
      });
    }, 120);
  };
  area.addEventListener("input", () => { typed.checked = true; count(); });
  document.getElementById("gsm_substitute").addEventListener("change", count);
  form.querySelectorAll('input[name="source"]').forEach((r) => r.addEventListener("change", count));
  document.querySelectorAll(".placeholder").forEach((b) => b.addEventListener("click", () => {
    const text = "{{" + b.dataset.name + "}}";
    const at = area.selectionStart ?? area.value.length;
    area.value = area.value.slice(0, at) + text + area.value.slice(area.selectionEnd ?? at);
    area.focus();
    area.selectionStart = area.selectionEnd = at + text.length;
    typed.checked = true;
    count();
  }));
  if (area.value) count();
}

// Step 5: live progress from the server; a reload reconnects to the running send.
function setupProgress() {
  const section = document.getElementById("progress");
  if (!section) return;
  const $ = (id) => document.getElementById(id);
  const source = new EventSource(section.dataset.events);
  source.onmessage = (message) => {
    const live = JSON.parse(message.data);
    $("question").hidden = live.phase !== "confirm";
    if (live.question) $("question-text").textContent = live.question;
    $("phase").textContent = live.phase;
    $("phase").dataset.phase = live.phase;
    for (const k of ["sent", "failed", "uncertain", "done", "total"]) $(k).textContent = live[k];
    $("rate").textContent = live.per_second.toFixed(1);
    $("left").textContent = live.seconds_left == null ? "-" : live.seconds_left + " s";
    $("bar").max = Math.max(live.total, 1);
    $("bar").value = live.done;
    $("paused").textContent = live.paused || "";
    $("send-error").textContent = live.error || "";
    // Pressed Stop: said at once, and not pressed twice.
    $("stopping").hidden = !live.stopping;
    $("stop").disabled = live.stopping;
    if (live.phase === "finished" || live.phase === "failed") {
      source.close();
      $("stop").hidden = true;
      $("to-results").hidden = false;
      if (live.phase === "finished") location.href = "/results";
    }
  };
  const answer = (yes) => post($("yes").dataset.action, "yes=" + yes, "application/x-www-form-urlencoded");
  $("yes").addEventListener("click", () => answer(true));
  $("no").addEventListener("click", () => answer(false));
  $("stop").addEventListener("click", () => post($("stop").dataset.action, "", "application/x-www-form-urlencoded"));
}

document.addEventListener("DOMContentLoaded", () => {
  setupDrop();
  setupMessage();
  setupProgress();
});
