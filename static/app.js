// 问询工作台: the one script. On the item page, selecting text in a document fills
// the "人工添加问询要点" form with the quote and its character offsets (counted in
// Unicode code points, like the server). Everything works without it except that
// form, which needs a selection.
(function () {
  "use strict";
  var form = document.getElementById("manual-form");
  if (!form) { return; }
  var msg = document.getElementById("manual-msg");
  function codePoints(s) { return Array.from(s).length; }
  function paragraphOf(node) {
    var el = node.nodeType === 1 ? node : node.parentElement;
    return el ? el.closest(".ptext") : null;
  }
  function say(text) {
    msg.textContent = text;
    msg.hidden = !text;
  }
  document.addEventListener("mouseup", function () {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return; }
    var range = sel.getRangeAt(0);
    var p = paragraphOf(range.startContainer);
    if (!p) { return; }
    if (p !== paragraphOf(range.endContainer)) {
      say("请在同一段内选择引文。");
      return;
    }
    var before = document.createRange();
    before.selectNodeContents(p);
    before.setEnd(range.startContainer, range.startOffset);
    var quote = range.toString();
    var start = Number(p.dataset.start) + codePoints(before.toString());
    form.elements.document_id.value = p.dataset.doc;
    form.elements.start.value = String(start);
    form.elements.end.value = String(start + codePoints(quote));
    form.elements.quote.value = quote;
    say("");
  });
})();
