/* 横幅 and 公告 forms: the fields that do not apply to the chosen scope (or a banner's target)
   are hidden, and a banner's phone preview follows what is typed and chosen (the picture is read
   in the browser as a data: URL, which the page's CSP allows; nothing is uploaded before saving). */
(function () {
  'use strict';

  function byId(id) { return document.getElementById(id); }

  function fieldOf(id) {
    var input = byId(id);
    return input ? input.closest('.field') : null;
  }

  function show(id, visible) {
    var box = fieldOf(id);
    if (box) { box.hidden = !visible; }
  }

  function selectedText(select) {
    var option = select && select.options[select.selectedIndex];
    return option && option.value ? option.text : '';
  }

  function bindScope(scope) {
    function scopeChanged() {
      show('city', scope.value === 'city');
      show('station_id', scope.value === 'station');
    }
    scope.addEventListener('change', scopeChanged);
    scopeChanged();
  }

  function bindPreview() {
    var image = byId('image');
    var picture = byId('preview-image');
    var empty = byId('preview-empty');
    var size = byId('preview-size');
    var title = byId('title');
    var target = byId('target');
    var targetStation = byId('target_station_id');

    function targetChanged() {
      var needsStation = target.value === 'station' || target.value === 'order';
      show('target_station_id', needsStation);
      var words = target.value === 'none' ? '点击不跳转' : '点击打开：' + selectedText(target);
      if (needsStation && selectedText(targetStation)) { words += '（' + selectedText(targetStation) + '）'; }
      byId('preview-target').textContent = words;
    }

    if (image) {
      image.addEventListener('change', function () {
        var file = image.files && image.files[0];
        if (!file) { return; }
        var reader = new FileReader();
        reader.addEventListener('load', function () {
          picture.src = reader.result;
          picture.hidden = false;
          empty.hidden = true;
        });
        reader.readAsDataURL(file);
      });
    }
    picture.addEventListener('load', function () {
      var w = picture.naturalWidth, h = picture.naturalHeight;
      if (!w || !h) { return; }
      var ratio = (w / h).toFixed(2);
      size.textContent = '图片 ' + w + '×' + h + '（宽高比 ' + ratio + '，轮播区为 2.50）：' +
        (Math.abs(w / h - 2.5) < 0.15 ? '与轮播区一致。' : '超出轮播区的部分会被裁掉，请看上面的预览。');
    });
    if (picture.complete && picture.naturalWidth) { picture.dispatchEvent(new Event('load')); }
    title.addEventListener('input', function () {
      byId('preview-title').textContent = title.value || '（标题）';
    });
    target.addEventListener('change', targetChanged);
    if (targetStation) { targetStation.addEventListener('change', targetChanged); }
    targetChanged();
  }

  function bind() {
    var form = document.querySelector('form[data-scoped]');
    if (!form || form.getAttribute('data-bound')) { return; }
    form.setAttribute('data-bound', '1');
    bindScope(byId('scope'));
    if (byId('banner-preview')) { bindPreview(); }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', bind);
  } else {
    bind();
  }
}());
