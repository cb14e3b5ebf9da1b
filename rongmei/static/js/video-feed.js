/* The vertical short-video feed: <section id="video-feed" data-api data-column data-next>.
 *
 * One video a screen (CSS scroll-snap does the swiping). The video in view plays, muted (the
 * only way browsers let a page start a video by itself), the others pause; a tap turns the
 * sound on (and keeps it on for the next videos), a second tap pauses. Near the end the next
 * screens come from GET /api/v1/public/videos?cursor=…&column=…. The page is a static file, the
 * same for every reader; the words come from the section's data-i18n-* attributes, and the
 * API's text is only ever set with textContent. Without this script, or without
 * IntersectionObserver, every video keeps its own controls and a link leads to more.
 */
(function () {
  "use strict";

  var feed = document.getElementById("video-feed");
  if (!feed || !("IntersectionObserver" in window)) return;

  var state = { sound: false, loading: false, next: feed.getAttribute("data-next") || "" };
  var more = feed.querySelector(".video-more");
  if (more) more.parentNode.removeChild(more);
  feed.classList.add("is-enhanced");

  function t(name, fallback) {
    return feed.getAttribute("data-i18n-" + name) || document.body.getAttribute("data-i18n-" + name) || fallback;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function sameSite(url) {
    // Addresses from the API are our own paths; anything else is not followed.
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/";
  }

  function play(video) {
    video.muted = !state.sound;
    var started = video.play();
    if (started && started.catch) {
      started.catch(function () {
        // Sound without a tap is refused: play muted and offer the tap.
        if (!video.muted) {
          video.muted = true;
          showSound(video, true);
          video.play().catch(function () {});
        }
      });
    }
    showSound(video, video.muted);
  }

  function showSound(video, muted) {
    var button = video.parentNode.querySelector(".video-sound");
    if (button) button.hidden = !muted;
  }

  function tapped(video) {
    if (video.muted) {
      state.sound = true;
      video.muted = false;
      showSound(video, false);
      if (video.paused) video.play().catch(function () {});
    } else if (video.paused) {
      video.play().catch(function () {});
    } else {
      video.pause();
    }
  }

  var watcher = new IntersectionObserver(
    function (entries) {
      entries.forEach(function (entry) {
        var video = entry.target.querySelector("video");
        if (!video) return;
        if (entry.isIntersecting && entry.intersectionRatio >= 0.6) {
          if (video.getAttribute("preload") === "none") video.setAttribute("preload", "auto");
          play(video);
          warmNext(entry.target);
          if (!entry.target.nextElementSibling || !entry.target.nextElementSibling.nextElementSibling) loadMore();
        } else if (!video.paused) {
          video.pause();
        }
      });
    },
    { root: feedScrolls() ? feed : null, threshold: [0, 0.6] }
  );

  function feedScrolls() {
    var style = window.getComputedStyle(feed);
    return style.overflowY === "auto" || style.overflowY === "scroll";
  }

  function warmNext(slide) {
    var next = slide.nextElementSibling;
    var video = next && next.querySelector("video");
    if (video && video.getAttribute("preload") === "none") video.setAttribute("preload", "metadata");
  }

  function enhance(slide) {
    var video = slide.querySelector("video");
    if (!video) return;
    video.removeAttribute("controls");
    video.muted = true;
    video.addEventListener("click", function () {
      tapped(video);
    });
    var button = slide.querySelector(".video-sound");
    if (button) {
      button.addEventListener("click", function () {
        tapped(video);
      });
    }
    watcher.observe(slide);
  }

  function slideOf(item) {
    if (!item || !sameSite(item.src) || !sameSite(item.url)) return null;
    var slide = el("article", "video-slide");
    slide.setAttribute("data-id", String(item.id));
    var video = el("video", "feed-video" + (item.vertical ? " is-vertical" : ""));
    video.src = item.src;
    if (item.poster && sameSite(item.poster)) video.poster = item.poster;
    video.muted = true;
    video.loop = true;
    video.playsInline = true;
    ["muted", "loop", "playsinline", "webkit-playsinline", "x5-playsinline"].forEach(function (name) {
      video.setAttribute(name, "");
    });
    video.setAttribute("preload", "none");
    slide.appendChild(video);
    var info = el("div", "video-info");
    var title = el("h2", "video-title");
    var link = el("a", null, item.headline);
    link.href = item.url;
    title.appendChild(link);
    info.appendChild(title);
    var meta = el("p", "video-meta", (item.team || "") + " · ");
    var read = el("a", "video-read", t("read", "Read the story"));
    read.href = item.url;
    meta.appendChild(read);
    info.appendChild(meta);
    slide.appendChild(info);
    var button = el("button", "video-sound", t("sound", "Tap for sound"));
    button.type = "button";
    button.hidden = true;
    slide.appendChild(button);
    return slide;
  }

  function loadMore() {
    if (state.loading || !state.next || !window.fetch) return;
    state.loading = true;
    var query = "cursor=" + encodeURIComponent(state.next);
    var column = feed.getAttribute("data-column");
    if (column) query += "&column=" + encodeURIComponent(column);
    fetch(feed.getAttribute("data-api") + "?" + query, { headers: { Accept: "application/json" }, credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        (data.items || []).forEach(function (item) {
          if (feed.querySelector('.video-slide[data-id="' + Number(item.id) + '"]')) return;
          var slide = slideOf(item);
          if (slide) {
            feed.appendChild(slide);
            enhance(slide);
          }
        });
        state.next = data.next_cursor || "";
      })
      .catch(function () {
        var note = feed.querySelector(".video-error") || el("p", "video-error");
        note.textContent = t("failed", "The request did not succeed. Please try again.");
        note.setAttribute("role", "status");
        feed.appendChild(note);
      })
      .then(function () {
        state.loading = false;
      });
  }

  var slides = feed.querySelectorAll(".video-slide");
  for (var i = 0; i < slides.length; i++) enhance(slides[i]);

  // Pause when the reader leaves the page (another app, a locked phone).
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      var videos = feed.querySelectorAll("video");
      for (var j = 0; j < videos.length; j++) videos[j].pause();
    }
  });
})();
