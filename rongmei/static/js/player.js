/* HLS for article videos: <video data-hls="…/master.m3u8" data-mp4="…">.
 *
 * The page lists the HLS playlist first and the MP4 second as <source>s, so a browser that
 * plays HLS itself (Safari, WeChat on iOS, most Android browsers) takes the playlist with no
 * help, and without this script everyone else gets the MP4. Here, where the browser lacks HLS
 * but has Media Source Extensions, hls.js (vendor/hls.light.min.js, loaded before this file only
 * on pages with HLS) plays the playlist, adapting the picture to the connection. Segments load
 * only once the reader presses play; on a fatal error the MP4 takes over.
 */
(function () {
  "use strict";

  var HLS_TYPE = "application/vnd.apple.mpegurl";

  function native(video) {
    return !!video.canPlayType && video.canPlayType(HLS_TYPE) !== "";
  }

  function toMp4(video, hls) {
    var mp4 = video.getAttribute("data-mp4");
    if (hls) hls.destroy();
    if (mp4) {
      video.src = mp4;
      video.load();
    }
  }

  function attach(video) {
    var url = video.getAttribute("data-hls");
    if (!url || native(video) || !window.Hls || !window.Hls.isSupported()) return null;
    var hls = new window.Hls({ autoStartLoad: false, capLevelToPlayerSize: true, startLevel: -1 });
    var started = false;
    hls.on(window.Hls.Events.ERROR, function (event, data) {
      if (data && data.fatal) toMp4(video, hls);
    });
    video.addEventListener("play", function () {
      if (!started) {
        started = true;
        hls.startLoad(-1);
      }
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.setAttribute("data-player", "hls.js");
    return hls;
  }

  function init() {
    var videos = document.querySelectorAll("video[data-hls]");
    for (var i = 0; i < videos.length; i++) attach(videos[i]);
  }

  window.RongmeiPlayer = { attach: attach, native: native };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
