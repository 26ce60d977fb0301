/* Shared by every page of the static site (kg/site.py). The network of a person or a trial is a page of its own
   (vis-network inlined: about half a megabyte); its iframe gets its address only when it comes into view, so a
   reader who never scrolls to it never loads it. Without scripts the link beside it opens the same page. */
(function () {
  "use strict";
  var frames = Array.prototype.slice.call(document.querySelectorAll("iframe[data-src]"));
  function show(frame) {
    if (!frame.getAttribute("src")) frame.setAttribute("src", frame.getAttribute("data-src"));
  }
  if (!frames.length) return;
  if (!("IntersectionObserver" in window)) {
    frames.forEach(show);
    return;
  }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        show(entry.target);
        observer.unobserve(entry.target);
      }
    });
  }, { rootMargin: "0px 0px 200px 0px" });
  frames.forEach(function (frame) { observer.observe(frame); });
})();
