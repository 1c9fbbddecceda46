// Confirmation before destructive actions, and import progress that survives a page reload.
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});

function poll(job) {
  const id = job.getAttribute("data-job");
  fetch(`/scan-admin/jobs/${id}`, {headers: {"Accept": "application/json"}})
    .then((r) => r.json())
    .then((j) => {
      const bar = job.querySelector("progress");
      bar.max = j.total || 1;
      bar.value = j.written;
      job.querySelector(".job-count").textContent = `已读取 ${j.read} 行，已写入 ${j.written} 行`;
      job.querySelector(".job-state").textContent = {running: "导入中", done: "已完成", failed: "未导入"}[j.state];
      job.querySelector(".job-message").textContent = j.message;
      job.setAttribute("data-state", j.state);
      if (j.state === "running") setTimeout(() => poll(job), 500);
      else if (j.duplicate) window.location.reload();
    })
    .catch(() => setTimeout(() => poll(job), 2000));
}

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
  document.querySelectorAll('.job[data-state="running"]').forEach(poll);
  const unit = document.getElementById("unit_code");
  if (unit) unit.addEventListener("change", () => {
    const o = unit.selectedOptions[0];
    document.getElementById("head_name").value = o.getAttribute("data-head") || "";
    document.getElementById("head_phone").value = o.getAttribute("data-phone") || "";
  });
});
