/* 线上订单: the list (#counter-live) replaces itself over HTMX when the station's events feed
   has news. Rows already there when the page loaded are known; each row that appears later is
   announced once: a short tone (Web Audio oscillator, no audio file) and a Chinese voice
   (speechSynthesis). The mute switch, kept in localStorage, silences both. */
(function () {
  'use strict';

  var MUTE_KEY = 'jiayou.counter.mute';
  var state = window.jiayouCounterLive;

  function muted() {
    try { return window.localStorage.getItem(MUTE_KEY) === '1'; } catch (e) { return false; }
  }

  function tone() {
    try {
      state.audio = state.audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = state.audio.createOscillator();
      var gain = state.audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(state.audio.destination);
      osc.start();
      osc.stop(state.audio.currentTime + 0.25);
    } catch (e) { /* no sound on this computer */ }
  }

  function zhVoice(synth) {
    var voices = synth.getVoices ? synth.getVoices() : [];
    for (var i = 0; i < voices.length; i += 1) {
      if (voices[i].lang.replace('_', '-') === 'zh-CN') { return voices[i]; }
    }
    return null;
  }

  function say(text) {
    var synth = window.speechSynthesis;
    if (!synth || !window.SpeechSynthesisUtterance) { return; }
    var words = new window.SpeechSynthesisUtterance(text);
    words.lang = 'zh-CN';
    var voice = zhVoice(synth);
    if (voice) { words.voice = voice; }
    synth.speak(words);
  }

  function announce(rows) {
    if (!rows.length || muted()) { return; }
    tone();
    rows.forEach(function (row) {
      var nozzle = row.getAttribute('data-nozzle');
      say('您有新的线上加油订单，' + (nozzle ? nozzle + '号枪' : '任意油枪'));
    });
  }

  /* Rows not seen before in this tab, now marked seen (so never announced twice). */
  function fresh() {
    var list = document.getElementById('counter-live');
    var found = [];
    if (!list) { return found; }
    list.querySelectorAll('tr[data-order-id]').forEach(function (row) {
      var id = row.getAttribute('data-order-id');
      if (!state.seen[id]) {
        state.seen[id] = true;
        found.push(row);
      }
    });
    return found;
  }

  function hideHint() {
    var hint = document.getElementById('counter-sound-hint');
    if (hint) { hint.hidden = true; }
  }

  function start() {
    fresh(); // what is waiting when the page opens is not news
    var active = navigator.userActivation && navigator.userActivation.hasBeenActive;
    if (active || (state.audio && state.audio.state === 'running')) { hideHint(); }
    var box = document.getElementById('counter-mute');
    if (box) {
      box.checked = muted();
      box.addEventListener('change', function () {
        try { window.localStorage.setItem(MUTE_KEY, box.checked ? '1' : '0'); } catch (e) { /* private mode */ }
        if (box.checked && window.speechSynthesis) { window.speechSynthesis.cancel(); }
      });
    }
  }

  if (!state) { // once per tab: htmx runs this file again on each boosted visit
    state = window.jiayouCounterLive = { seen: {}, audio: null };
    document.addEventListener('htmx:afterSwap', function (event) {
      var target = event.detail && event.detail.target;
      if (!target || target.id !== 'counter-live') { return; }
      var rows = fresh();
      rows.forEach(function (row) { row.classList.add('is-new'); });
      announce(rows);
    });
    // Browsers play sound only after the page was clicked once: wake the audio then (on the
    // click, not pointerdown: hiding the hint moves the page under a pressed button).
    document.addEventListener('click', function () {
      try {
        state.audio = state.audio || new (window.AudioContext || window.webkitAudioContext)();
        state.audio.resume();
      } catch (e) { state.audio = null; }
      hideHint();
    }, { once: true, capture: true });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
