// Framed by OA (also where the browser does not say so in Sec-Fetch-Dest): no header or menu of our own.
if (window.top !== window.self) document.documentElement.classList.add("embedded");
// With script the menu folds behind a 菜单 button on a phone (without it, it stays open).
document.documentElement.classList.add("js");
document.addEventListener("click", (event) => {
  const button = event.target.closest(".menu-button");
  if (!button) return;
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("open", open);
});

// Confirmations in a native <dialog> (allowed by our CSP, no window.confirm): a link or form marked
// data-dialog asks the server for its confirmation page with X-Dialog: 1 and shows it in the dialog
// (without JavaScript the same page opens on its own); a form marked data-confirm asks its question
// in the dialog before it is sent. Import progress survives a page reload.
function dialog() {
  let d = document.getElementById("confirm-dialog");
  if (!d) {
    d = document.createElement("dialog");
    d.id = "confirm-dialog";
    d.setAttribute("aria-labelledby", "dialog-title");
    document.body.appendChild(d);
    d.addEventListener("click", (event) => {
      if (event.target.closest("[data-close]")) { event.preventDefault(); d.close(); }
    });
  }
  return d;
}

function showInDialog(request) {
  const d = dialog();
  if (!d.showModal) return false;
  request
    .then((r) => r.text())
    .then((html) => {
      d.innerHTML = html;
      if (!d.open) d.showModal();
      const first = d.querySelector("button, a, input, textarea, select");
      if (first) first.focus();
    })
    .catch(() => {
      d.innerHTML = '<div class="dialog-body"><h2 id="dialog-title">出错了</h2><p class="notice error">网络连接失败，请稍后重试</p>'
        + '<p><button type="button" class="secondary" data-close>关闭</button></p></div>';
      if (!d.open) d.showModal();
    });
  return true;
}

function askInDialog(message, onYes) {
  const d = dialog();
  if (!d.showModal) { if (window.confirm(message)) onYes(); return; }
  d.innerHTML = '<div class="dialog-body"><h2 id="dialog-title">请确认</h2><p class="notice warn"></p>'
    + '<p><button type="button" class="danger" data-yes>确认</button> '
    + '<button type="button" class="secondary" data-close>取消</button></p></div>';
  d.querySelector(".notice").textContent = message;
  d.querySelector("[data-yes]").addEventListener("click", () => { d.close(); onYes(); });
  d.showModal();
  d.querySelector("[data-close]").focus();
}

const DIALOG = {"X-Dialog": "1"};
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-dialog]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (showInDialog(fetch(link.href, {headers: DIALOG}))) event.preventDefault();
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  const message = form.getAttribute("data-confirm");
  if (message && !form.dataset.confirmed) {
    event.preventDefault();
    askInDialog(message, () => { form.dataset.confirmed = "1"; form.requestSubmit ? form.requestSubmit() : form.submit(); });
    return;
  }
  if (form.hasAttribute("data-dialog")) {
    if (showInDialog(fetch(form.action, {method: "POST", body: new FormData(form), headers: DIALOG}))) event.preventDefault();
  }
});

// An import's panel: progress as %, rows a second and time left (the server's line); when the
// import ends, the latest 采集时间, the data calendar and the history are refreshed from the page,
// without a reload.
function poll(job) {
  const id = job.getAttribute("data-job");
  fetch(`/scan-admin/jobs/${id}`, {headers: {"Accept": "application/json"}})
    .then((r) => r.json())
    .then((j) => {
      const bar = job.querySelector("progress");
      bar.max = 100;
      bar.value = j.percent;
      job.querySelector(".job-count").textContent = j.line;
      job.querySelector(".job-state").textContent = {running: "导入中", done: "已完成", failed: "未导入"}[j.state];
      job.querySelector(".job-message").textContent = j.message;
      job.setAttribute("data-state", j.state);
      if (j.state === "running") { setTimeout(() => poll(job), 500); return; }
      job.querySelector(".job-close").hidden = false;
      if (j.duplicate) window.location.reload();  // the page offers 确认仍要导入
      else refreshFromPage(["latest-collected", "history", "calendar"]);
    })
    .catch(() => setTimeout(() => poll(job), 2000));
}

function refreshFromPage(ids) {
  fetch(window.location.href, {headers: {"Accept": "text/html"}})
    .then((r) => r.text())
    .then((html) => {
      const fresh = new DOMParser().parseFromString(html, "text/html");
      ids.forEach((id) => {
        const now = document.getElementById(id);
        const then = fresh.getElementById(id);
        if (now && then) now.replaceWith(document.importNode(then, true));
      });
    });
}

const CLOSED = "epi-closed-jobs";
function closedJobs() {
  try { return JSON.parse(window.localStorage.getItem(CLOSED) || "[]"); } catch (e) { return []; }
}
document.addEventListener("click", (event) => {
  const button = event.target.closest(".job-close");
  if (!button) return;
  const job = button.closest(".job");
  const ids = closedJobs().concat([job.getAttribute("data-job")]).slice(-50);
  try { window.localStorage.setItem(CLOSED, JSON.stringify(ids)); } catch (e) { /* private mode: closed for now */ }
  job.remove();
});

// 查看完整信息: the reason is asked in a dialog; the form posts to the record's reveal page
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.reveal");
  const dialog = document.getElementById("reveal-dialog");
  if (!link || !dialog || !dialog.showModal) return;
  event.preventDefault();
  dialog.querySelector("form").action = `/scans/${link.getAttribute("data-scan")}/reveal`;
  dialog.showModal();
});

document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("check-all");
  if (all) all.addEventListener("change", () => {
    document.querySelectorAll('input[name="alert_id"]').forEach((box) => { box.checked = all.checked; });
  });
  const closed = closedJobs();
  document.querySelectorAll(".job").forEach((job) => {
    if (job.getAttribute("data-state") !== "running" && closed.includes(job.getAttribute("data-job"))) job.remove();
  });
  document.querySelectorAll('.job[data-state="running"]').forEach(poll);
  const unit = document.getElementById("unit_code");
  if (unit) unit.addEventListener("change", () => {
    const o = unit.selectedOptions[0];
    document.getElementById("head_name").value = o.getAttribute("data-head") || "";
    document.getElementById("head_phone").value = o.getAttribute("data-phone") || "";
  });
});

// One date / date-range picker for every date condition, in Chinese whatever the browser's language
// (no <input type="date">, whose words and format follow the browser). An input marked data-date gets
// a calendar under it; a range's first input names its second with data-range-to, and both get the
// shortcuts 今天, 近7天, 近30天, 本月. Typing stays possible (times too: 2022-03-01 09:30).
const WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"];
const pad = (n) => String(n).padStart(2, "0");
const iso = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const addDays = (d, n) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);

function rangeOf(input) {
  const form = input.form || document;
  const toName = input.getAttribute("data-range-to");
  if (toName) return [input, form.querySelector(`[name="${toName}"]`)];
  const from = form.querySelector(`[data-range-to="${input.name}"]`);
  return from ? [from, input] : null;
}

let picker = null;
function closePicker() { if (picker) { picker.remove(); picker = null; } }

function openPicker(input) {
  closePicker();
  const typed = /^(\d{4})-(\d{2})-(\d{2})/.exec(input.value || "");
  let shown = typed ? new Date(+typed[1], +typed[2] - 1, 1) : new Date();
  shown = new Date(shown.getFullYear(), shown.getMonth(), 1);
  picker = document.createElement("div");
  picker.className = "datepicker";
  picker.setAttribute("role", "dialog");
  picker.setAttribute("aria-label", "选择日期");
  const range = rangeOf(input);
  const set = (from, to) => {
    if (range) { range[0].value = iso(from); range[1].value = iso(to); } else input.value = iso(to);
    closePicker();
    input.focus();
  };
  function draw() {
    const today = new Date();
    const first = (shown.getDay() + 6) % 7;  // Monday first
    const days = new Date(shown.getFullYear(), shown.getMonth() + 1, 0).getDate();
    let html = `<div class="dp-head"><button type="button" data-move="-1" aria-label="上个月">‹</button>`
      + `<span class="dp-title">${shown.getFullYear()}年${shown.getMonth() + 1}月</span>`
      + `<button type="button" data-move="1" aria-label="下个月">›</button></div><table class="dp-grid"><thead><tr>`
      + WEEKDAYS.map((w) => `<th scope="col">${w}</th>`).join("") + "</tr></thead><tbody><tr>";
    for (let i = 0; i < first; i++) html += "<td></td>";
    for (let day = 1; day <= days; day++) {
      const d = new Date(shown.getFullYear(), shown.getMonth(), day);
      const value = iso(d);
      const cls = [value === iso(today) ? "today" : "", input.value.startsWith(value) ? "chosen" : ""].join(" ").trim();
      html += `<td><button type="button" data-day="${value}" class="${cls}" aria-label="${d.getFullYear()}年${d.getMonth() + 1}月${day}日">${day}</button></td>`;
      if ((first + day) % 7 === 0 && day < days) html += "</tr><tr>";
    }
    html += "</tr></tbody></table>";
    if (range) {
      html += '<div class="dp-shortcuts"><button type="button" data-short="today">今天</button>'
        + '<button type="button" data-short="7">近7天</button><button type="button" data-short="30">近30天</button>'
        + '<button type="button" data-short="month">本月</button></div>';
    }
    html += '<div class="dp-foot"><button type="button" data-clear>清空</button><button type="button" data-close-picker>关闭</button></div>';
    picker.innerHTML = html;
  }
  picker.addEventListener("click", (event) => {
    event.stopPropagation();  // a redrawn month detaches the button: not an outside click
    const b = event.target.closest("button");
    if (!b) return;
    event.preventDefault();
    const today = new Date();
    if (b.dataset.move) { shown = new Date(shown.getFullYear(), shown.getMonth() + Number(b.dataset.move), 1); draw(); }
    else if (b.dataset.day) {
      const [y, m, d] = b.dataset.day.split("-").map(Number);
      input.value = iso(new Date(y, m - 1, d));
      closePicker();
      input.focus();
    } else if (b.dataset.short === "today") set(today, today);
    else if (b.dataset.short === "7") set(addDays(today, -6), today);
    else if (b.dataset.short === "30") set(addDays(today, -29), today);
    else if (b.dataset.short === "month") set(new Date(today.getFullYear(), today.getMonth(), 1), today);
    else if (b.hasAttribute("data-clear")) { input.value = ""; closePicker(); input.focus(); }
    else if (b.hasAttribute("data-close-picker")) { closePicker(); input.focus(); }
  });
  picker.addEventListener("keydown", (event) => { if (event.key === "Escape") { closePicker(); input.focus(); } });
  draw();
  input.insertAdjacentElement("afterend", picker);
}

document.addEventListener("click", (event) => {
  const input = event.target.closest("input[data-date]");
  if (input) { if (!picker || picker.previousElementSibling !== input) openPicker(input); return; }
  if (picker && !event.target.closest(".datepicker")) closePicker();
});
document.addEventListener("keydown", (event) => {
  const input = event.target.closest && event.target.closest("input[data-date]");
  if (input && event.key === "ArrowDown" && event.altKey) { event.preventDefault(); openPicker(input); picker.querySelector("button").focus(); }
  if (picker && event.key === "Escape") closePicker();
});

// Signing on from inside OA's frame (issue 45): the identity provider refuses to be framed, so the
// frame opens the sign-on in a pop-up; the pop-up's last page hands a one-time code to the window
// that opened it — only to a window of this origin — and closes; the frame posts its secret and the
// code, and its own session begins (its cookies are not the pop-up's when the browser partitions them).
document.addEventListener("DOMContentLoaded", () => {
  const breakout = document.getElementById("sso-breakout");
  if (breakout) {
    const status = document.getElementById("sso-status");
    const say = (text) => { status.textContent = text; status.hidden = false; };
    let popup = null;
    document.getElementById("sso-open").addEventListener("click", () => {
      popup = window.open(breakout.dataset.popup, "epi_sso", "width=760,height=680");
      say(popup ? "请在新窗口中完成登录……" : "浏览器拦截了登录窗口：请允许本网站弹出窗口后重试");
    });
    window.addEventListener("message", (event) => {
      if (event.origin !== window.location.origin || !popup || event.source !== popup) return;
      const data = event.data || {};
      if (data.type !== "epi-sso-done" || typeof data.code !== "string") return;
      const form = document.getElementById("sso-handoff");
      form.elements.code.value = data.code;
      say("登录成功，正在进入……");
      form.submit();
    });
  }
  const done = document.getElementById("sso-done");
  if (done) {
    if (window.opener && !window.opener.closed) {
      window.opener.postMessage({ type: "epi-sso-done", code: done.dataset.code }, window.location.origin);
      window.close();
    } else {
      document.getElementById("sso-orphan").hidden = false;
    }
  }
});
