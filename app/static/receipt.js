// 小票: after a print is recorded (the server answers the receipt for it), the browser
// prints; a receipt opened right after a sale prints itself once.
document.body.addEventListener("receipt-printed", function () {
  document.getElementById("print-button").textContent = "重打小票";
  window.print();
});
document.addEventListener("DOMContentLoaded", function () {
  var body = document.body;
  if (body.dataset.autoprint !== "1") return;
  delete body.dataset.autoprint;
  // A reload of this page must not print again by itself.
  history.replaceState(null, "", location.pathname + "?width=" + body.dataset.width);
  document.getElementById("print-button").click();
});
