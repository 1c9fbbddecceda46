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
// import ends, the latest 采集时间 and the history are refreshed from the page, without a reload.
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
      else refreshFromPage(["latest-collected", "history"]);
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
