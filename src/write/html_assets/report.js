/* carecircle report.html: zoom and pan, scale bar, label placement, tooltips, sortable tables.
   No network access: everything the page needs is in the page. */
(function () {
  'use strict';
  var tip = document.getElementById('tip');

  function nice(x) {
    var p = Math.pow(10, Math.floor(Math.log10(x)));
    var m = x / p;
    return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
  }

  function rowFor(section, id) {
    return section.querySelector('tr[data-area="' + CSS.escape(id) + '"]');
  }

  function setupMap(fig) {
    if (fig.ccReady) return;
    fig.ccReady = true;
    var box = fig.querySelector('.mapbox');
    var svg = box.querySelector('svg');
    var W = +svg.dataset.w, H = +svg.dataset.h, q = +svg.dataset.q;
    var section = fig.closest('section');
    var vb = { x: 0, y: 0, w: W, h: H };
    var labels = Array.prototype.slice.call(svg.querySelectorAll('.labels text'));
    var bar = box.querySelector('.scale .bar'), barText = box.querySelector('.scale span');
    var labelTimer = 0;

    function upp() {
      var r = svg.getBoundingClientRect();
      if (!r.width || !r.height) return vb.w / 860;
      return Math.max(vb.w / r.width, vb.h / r.height);
    }
    function apply() {
      svg.setAttribute('viewBox', vb.x + ' ' + vb.y + ' ' + vb.w + ' ' + vb.h);
      var u = upp();
      svg.style.setProperty('--u', u.toFixed(5));
      var mpp = u * q;
      var d = nice(110 * mpp);
      bar.style.width = Math.round(d / mpp) + 'px';
      barText.textContent = d >= 1000 ? (d / 1000) + ' ' + fig.dataset.km : d + ' ' + fig.dataset.m;
      clearTimeout(labelTimer);
      labelTimer = setTimeout(placeLabels, 30);
    }
    function placeLabels() {
      var placed = [];
      var r0 = svg.getBoundingClientRect();
      labels.forEach(function (t) {
        t.classList.remove('hidden');
        var r = t.getBoundingClientRect();
        var out = r.right < r0.left || r.left > r0.right || r.bottom < r0.top || r.top > r0.bottom;
        var hit = out || placed.some(function (p) {
          return r.left < p.right + 2 && r.right > p.left - 2 && r.top < p.bottom && r.bottom > p.top;
        });
        if (hit) t.classList.add('hidden'); else placed.push(r);
      });
    }
    function toSvg(cx, cy) {
      var r = svg.getBoundingClientRect();
      var u = upp();
      // preserveAspectRatio xMidYMid meet: the view is centred in the element.
      var ox = (r.width - vb.w / u) / 2, oy = (r.height - vb.h / u) / 2;
      return { x: vb.x + (cx - r.left - ox) * u, y: vb.y + (cy - r.top - oy) * u };
    }
    function zoom(f, cx, cy) {
      var nw = Math.min(Math.max(vb.w / f, W / 200), W * 1.5);
      f = vb.w / nw;
      var p = cx === undefined ? { x: vb.x + vb.w / 2, y: vb.y + vb.h / 2 } : toSvg(cx, cy);
      vb = { x: p.x - (p.x - vb.x) / f, y: p.y - (p.y - vb.y) / f, w: vb.w / f, h: vb.h / f };
      apply();
    }
    function zoomToBox(b) {
      var pad = 0.35;
      var w = Math.max(b.width, W / 60) * (1 + 2 * pad), h = Math.max(b.height, H / 60) * (1 + 2 * pad);
      var s = Math.max(w / W, h / H);
      var cx = b.x + b.width / 2, cy = b.y + b.height / 2;
      vb = { x: cx - W * s / 2, y: cy - H * s / 2, w: W * s, h: H * s };
      apply();
    }
    fig.zoomToArea = function (id) {
      var p = svg.querySelector('path.area[data-area-id="' + CSS.escape(id) + '"]');
      if (!p) return;
      svg.querySelectorAll('path.area.hl').forEach(function (e) { e.classList.remove('hl'); });
      p.classList.add('hl');
      zoomToBox(p.getBBox());
    };

    // Wheel zoom only once the map was clicked (or with Ctrl), so scrolling the page is not trapped.
    svg.addEventListener('wheel', function (e) {
      if (!box.classList.contains('active') && !e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      zoom(Math.exp(-e.deltaY * 0.0018), e.clientX, e.clientY);
    }, { passive: false });
    box.addEventListener('mouseleave', function () { box.classList.remove('active'); });
    var drag = null;
    svg.addEventListener('pointerdown', function (e) {
      box.classList.add('active');
      drag = { x: e.clientX, y: e.clientY, vx: vb.x, vy: vb.y, moved: false };
      svg.setPointerCapture(e.pointerId);
    });
    svg.addEventListener('pointermove', function (e) {
      if (drag) {
        var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; svg.classList.add('dragging'); tip.hidden = true; }
        if (drag.moved) {
          var u = upp();
          vb.x = drag.vx - dx * u; vb.y = drag.vy - dy * u;
          svg.setAttribute('viewBox', vb.x + ' ' + vb.y + ' ' + vb.w + ' ' + vb.h);
        }
        return;
      }
      var t = e.target;
      if (t.matches && t.matches('path.area')) showTip(section, t.getAttribute('data-area-id'), e);
      else if (t.tagName !== 'circle') tip.hidden = true;
    });
    svg.addEventListener('pointerup', function (e) {
      var wasDrag = drag && drag.moved;
      drag = null;
      svg.classList.remove('dragging');
      if (wasDrag) { apply(); return; }
      var t = e.target;
      if (t.matches && t.matches('path.area')) selectRow(section, t.getAttribute('data-area-id'), true);
    });
    svg.addEventListener('pointerleave', function () { if (!drag) tip.hidden = true; });
    box.querySelectorAll('.tools button').forEach(function (b) {
      b.addEventListener('click', function () {
        var z = b.dataset.z;
        if (z === 'in') zoom(1.6); else if (z === 'out') zoom(1 / 1.6);
        else { vb = { x: 0, y: 0, w: W, h: H }; apply(); }
      });
    });
    window.addEventListener('resize', apply);
    apply();
  }

  function showTip(section, id, e) {
    var tr = rowFor(section, id);
    if (!tr) { tip.hidden = true; return; }
    var th = section.querySelectorAll('table.gaps thead th');
    var cells = tr.children;
    tip.textContent = '';
    var b = document.createElement('b');
    b.textContent = cells[2].textContent + ' (' + cells[1].textContent + ')';
    tip.appendChild(b);
    // The columns marked for the tooltip (their order in the table).
    Array.prototype.forEach.call(th, function (h, k) {
      if (!h.classList.contains('tip') || !cells[k]) return;
      var d = document.createElement('div');
      d.textContent = th[k].textContent.replace(/[▲▼]/g, '') + ': ' + cells[k].textContent;
      tip.appendChild(d);
    });
    var reasons = cells[cells.length - 1].textContent;
    if (reasons) {
      var r = document.createElement('div');
      r.className = 'r';
      r.textContent = reasons;
      tip.appendChild(r);
    }
    tip.hidden = false;
    var x = e.clientX + 14, y = e.clientY + 14;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 4) x = e.clientX - w - 10;
    if (y + h > window.innerHeight - 4) y = e.clientY - h - 10;
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }

  function selectRow(section, id, scroll) {
    section.querySelectorAll('tr.sel').forEach(function (r) { r.classList.remove('sel'); });
    var tr = rowFor(section, id);
    if (!tr) return;
    tr.classList.add('sel');
    if (scroll) {
      var wrap = tr.closest('.tablewrap');
      wrap.scrollTop = tr.offsetTop - wrap.clientHeight / 2;
    }
  }

  function setupTable(table) {
    var ths = table.querySelectorAll('thead th');
    var body = table.tBodies[0];
    ths.forEach(function (th, k) {
      th.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        ths.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[k], y = b.cells[k], c;
          if (x.hasAttribute('data-v')) c = (+x.getAttribute('data-v')) - (+y.getAttribute('data-v'));
          else c = x.textContent.localeCompare(y.textContent, document.documentElement.lang);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
    var section = table.closest('section');
    body.addEventListener('click', function (e) {
      var tr = e.target.closest('tr');
      if (!tr) return;
      var fig = section.querySelector('.map');
      selectRow(section, tr.getAttribute('data-area'), false);
      if (fig && !fig.zoomToArea) setupMap(fig);
      if (fig && fig.zoomToArea) {
        fig.zoomToArea(tr.getAttribute('data-area'));
        var r = fig.getBoundingClientRect();
        if (r.top < 0 || r.bottom > window.innerHeight) fig.scrollIntoView({ behavior: 'smooth', block: 'center' });
      }
    });
  }

  function setupChart(section) {
    section.querySelectorAll('svg.units rect[data-a]').forEach(function (r) {
      r.addEventListener('click', function () {
        var id = r.getAttribute('data-a');
        var fig = section.querySelector('.map');
        if (fig && !fig.zoomToArea) setupMap(fig);
        if (fig && fig.zoomToArea) fig.zoomToArea(id);
        selectRow(section, id, true);
      });
    });
  }

  // Maps are set up when they come near the viewport: off-screen sections stay unrendered
  // (content-visibility: auto), which keeps opening a large report fast.
  var maps = document.querySelectorAll('figure.map');
  if ('IntersectionObserver' in window) {
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting && !e.target.zoomToArea) { setupMap(e.target); io.unobserve(e.target); }
      });
    }, { rootMargin: '400px' });
    maps.forEach(function (m) { io.observe(m); });
  } else {
    maps.forEach(setupMap);
  }
  // Before | after switch of the sites report: the shading and the layers of one view.
  document.querySelectorAll('figure.map .viewswitch button').forEach(function (b) {
    b.addEventListener('click', function () {
      var fig = b.closest('figure.map');
      var before = b.dataset.view === 'before';
      fig.classList.toggle('show-before', before);
      fig.querySelectorAll('.viewswitch button').forEach(function (x) { x.classList.toggle('on', x === b); });
      fig.querySelectorAll('path.area[data-cb]').forEach(function (p) {
        var c = before ? p.dataset.cb : p.dataset.ca;
        p.classList.remove('c0', 'c1', 'c2', 'c3', 'c4', 'cn');
        p.classList.add(c);
      });
    });
  });
  document.querySelectorAll('table.sortable').forEach(setupTable);
  document.querySelectorAll('section.service').forEach(setupChart);
  document.documentElement.setAttribute('data-ready', '1');
  // Time from navigation to a laid-out, scripted page (read by the load-time check).
  document.documentElement.setAttribute('data-ready-ms', String(Math.round(performance.now())));
})();
