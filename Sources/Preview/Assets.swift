import Notebook

/// The page's stylesheet and script, served as same-origin files.
enum PreviewAssets {
    /// The HTML export's styles, then the live slots'.
    static let stylesheet = HTMLPage.stylesheet + "\n" + #"""
        [hidden]{display:none!important}
        .loom-top{position:sticky;top:0;z-index:2;display:flex;gap:1rem;align-items:center;padding:.5rem 1.5rem;background:#24292f;color:#fff;font-size:.9rem}
        .loom-top a{color:#9ecbff}.loom-file{font-family:"DejaVu Sans Mono",monospace;color:#d0d7de}
        .loom-top>*{white-space:nowrap}
        .loom-run{margin-left:auto;min-width:0;overflow:hidden;text-overflow:ellipsis;color:#d0d7de}.loom-run[data-phase=running],.loom-run[data-phase=stopping]{color:#ffd33d}
        .loom-connection{color:#ff8182}
        .loom-problems{max-width:1200px;margin:1rem auto 0;padding:.8rem 1.2rem;border:1px solid #cf222e;border-radius:6px;background:#ffebe9;color:#82071e}
        .loom-problems strong{display:block;margin-bottom:.3rem}
        .loom-problems pre{background:none;padding:0;margin:0;white-space:pre-wrap}
        .loom-contents:empty{display:none}
        .loom-slot{margin:-.6em 0 1.4em;padding:.5em .8em;border:1px solid var(--line);border-left:4px solid var(--line);border-radius:0 0 6px 6px}
        .loom-bar{display:flex;gap:.7em;align-items:center;font-size:.85rem;color:var(--muted)}
        .loom-name{font-family:"DejaVu Sans Mono",monospace}
        .loom-bar button{margin-left:auto;font:inherit;padding:.1em .7em;border:1px solid var(--line);border-radius:5px;background:var(--soft);cursor:pointer}
        .loom-bar button+button{margin-left:0}
        .loom-bar button:disabled{opacity:.5;cursor:default}
        .loom-state{font-weight:bold;padding:0 .5em;border-radius:4px;background:var(--soft)}
        .loom-state[data-state=cached]{color:#57606a}.loom-state[data-state=queued]{color:#9a6700;background:#fff8c5}
        .loom-state[data-state=running]{color:#0969da;background:#ddf4ff}.loom-state[data-state=ran]{color:#1a7f37;background:#dafbe1}
        .loom-state[data-state=failed]{color:#cf222e;background:#ffebe9}.loom-state[data-state=skipped]{color:#6e7781;font-style:italic}
        .loom-state[data-state=stopped]{color:#bc4c00;background:#fff1e5}
        .loom-slot[data-state=running]{border-left-color:#0969da}.loom-slot[data-state=ran]{border-left-color:#1a7f37}
        .loom-slot[data-state=failed]{border-left-color:#cf222e}.loom-slot[data-state=queued]{border-left-color:#d4a72c}
        .loom-slot[data-state=stopped]{border-left-color:#bc4c00}
        .loom-slot[data-state=queued] .loom-outputs,.loom-slot[data-state=running] .loom-outputs{opacity:.45}
        .loom-progress{display:flex;gap:.8em;align-items:center;margin:.5em 0;font-size:.85rem}
        .loom-progress progress{flex:0 0 40%;height:.9em}
        .loom-error{margin:.6em 0;padding:.5em .8em;border-left:4px solid #cf222e;background:#ffebe9;color:#82071e;font-family:"DejaVu Sans Mono",monospace;font-size:.85rem;white-space:pre-wrap}
        .loom-error.loom-note{border-left-color:#d0d7de;background:var(--soft);color:var(--muted)}
        .loom-live table{font-size:.85rem}
        .loom-tasks table{font-size:.85rem;margin:.4em 0}.loom-tasks td.detail{font-family:"DejaVu Sans Mono",monospace;color:var(--muted)}
        .loom-task-state{font-weight:bold}.loom-task-state[data-state=RUNNING]{color:#0969da}.loom-task-state[data-state=COMPLETED]{color:#1a7f37}
        .loom-task-state[data-state=PENDING]{color:#9a6700}.loom-task-state[data-state=FAILED],.loom-task-state[data-state=TIMEOUT]{color:#cf222e}
        .loom-task-state[data-state=CANCELLED]{color:#bc4c00}
        .loom-curves{display:flex;gap:1rem;flex-wrap:wrap}
        .loom-curves svg{border:1px solid var(--line);border-radius:4px;background:#fff}
        .loom-curves .axis{stroke:#8c959f;stroke-width:1}.loom-curves text{font-size:11px;fill:#57606a}
        .loom-curves .train{stroke:#0969da;fill:none;stroke-width:2}.loom-curves .validation{stroke:#bc4c00;fill:none;stroke-width:2;stroke-dasharray:5 4}
        .loom-curves circle.train{fill:#0969da}.loom-curves circle.validation{fill:#bc4c00}
        .loom-index li{margin:.6em 0}.loom-summary{color:var(--muted);font-size:.9rem}
        """#

    /// The page's behaviour: follows the event stream, fills the slots, draws the live curves,
    /// and sends the re-run and stop buttons' requests (with the token in a header).
    static let script = #"""
        'use strict';
        (function () {
          const errors = [];
          function recordError(text) {
            errors.push(text);
            document.documentElement.setAttribute('data-loom-errors', String(errors.length));
          }
          window.addEventListener('error', function (event) { recordError(String(event.message)); });
          document.addEventListener('securitypolicyviolation', function (event) {
            recordError('CSP ' + event.violatedDirective + ' ' + event.blockedURI);
          });
          const nameMeta = document.querySelector('meta[name="loom-notebook"]');
          if (!nameMeta) { return; }
          const name = nameMeta.content;
          const token = document.querySelector('meta[name="loom-token"]').content;
          const cells = new Map();
          const shown = new Map();
          let runnable = true;
          let phase = 'idle';

          function el(tag, attributes, text) {
            const node = document.createElement(tag);
            for (const key in attributes || {}) { node.setAttribute(key, attributes[key]); }
            if (text !== undefined) { node.textContent = text; }
            return node;
          }
          function svg(tag, attributes) {
            const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
            for (const key in attributes) { node.setAttribute(key, String(attributes[key])); }
            return node;
          }
          function seconds(value) {
            if (value === null || value === undefined) { return ''; }
            if (value < 10) { return value.toFixed(2) + ' s'; }
            if (value < 60) { return value.toFixed(1) + ' s'; }
            const total = Math.round(value);
            return Math.floor(total / 60) + ':' + String(total % 60).padStart(2, '0');
          }
          function decimal(value) { return value === null || value === undefined ? '–' : value.toFixed(3); }
          function slot(index) { return document.querySelector('.loom-slot[data-cell="' + index + '"]'); }

          function curve(title, epochs, key, validationKey, total) {
            const width = 340, height = 210, left = 44, right = 10, top = 34, bottom = 28;
            const values = [];
            epochs.forEach(function (e) { values.push(e[key]); if (e[validationKey] !== null && e[validationKey] !== undefined) { values.push(e[validationKey]); } });
            let low = Math.min.apply(null, values), high = Math.max.apply(null, values);
            if (!(high > low)) { low -= 0.5; high += 0.5; }
            const pad = (high - low) * 0.08; low -= pad; high += pad;
            const count = Math.max(total, epochs.length, 2);
            const x = function (epoch) { return left + (epoch - 1) / (count - 1) * (width - left - right); };
            const y = function (value) { return top + (high - value) / (high - low) * (height - top - bottom); };
            const root = svg('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, 'class': 'loom-curve', 'data-points': epochs.length });
            const heading = svg('text', { x: left, y: 14 }); heading.textContent = title; root.appendChild(heading);
            root.appendChild(svg('line', { 'class': 'axis', x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }));
            root.appendChild(svg('line', { 'class': 'axis', x1: left, y1: top, x2: left, y2: height - bottom }));
            [low + pad, high - pad].forEach(function (value) {
              const label = svg('text', { x: 4, y: y(value) + 4 }); label.textContent = value.toFixed(3); root.appendChild(label);
            });
            const axisLabel = svg('text', { x: width - right - 60, y: height - 8 }); axisLabel.textContent = 'epoch 1–' + count; root.appendChild(axisLabel);
            [['train', 0], ['validation', 1]].forEach(function (pair) {
              const y0 = 12 + 12 * pair[1];
              root.appendChild(svg('line', { 'class': pair[0], x1: width - 110, y1: y0 - 4, x2: width - 90, y2: y0 - 4 }));
              const text = svg('text', { x: width - 85, y: y0 }); text.textContent = pair[0]; root.appendChild(text);
            });
            [[key, 'train'], [validationKey, 'validation']].forEach(function (pair) {
              const points = epochs.filter(function (e) { return e[pair[0]] !== null && e[pair[0]] !== undefined; });
              if (points.length === 0) { return; }
              root.appendChild(svg('polyline', { 'class': pair[1], points: points.map(function (e) { return x(e.epoch) + ',' + y(e[pair[0]]); }).join(' ') }));
              points.forEach(function (e) { root.appendChild(svg('circle', { 'class': pair[1], cx: x(e.epoch), cy: y(e[pair[0]]), r: 3 })); });
            });
            return root;
          }

          function renderLive(index) {
            const view = cells.get(index), box = slot(index);
            if (!view || !box) { return; }
            const live = box.querySelector('.loom-live');
            const showing = view.state === 'running' || view.state === 'stopped';
            live.hidden = !(showing && view.epochs.length > 0);
            live.setAttribute('data-epochs', String(view.epochs.length));
            live.replaceChildren();
            if (live.hidden) { return; }
            const groups = new Map();
            view.epochs.forEach(function (e) { if (!groups.has(e.label)) { groups.set(e.label, []); } groups.get(e.label).push(e); });
            groups.forEach(function (epochs, label) {
              if (label) { live.appendChild(el('p', {}, label)); }
              const table = el('table', { 'class': 'loom-epochs' });
              const head = el('tr');
              ['epoch', 'train loss', 'train acc', 'val loss', 'val acc', 'lr', 'seconds', 'img/s'].forEach(function (h) { head.appendChild(el('th', { align: 'right' }, h)); });
              table.appendChild(el('thead')).appendChild(head);
              const body = el('tbody');
              epochs.forEach(function (e) {
                const row = el('tr');
                [String(e.epoch), decimal(e.trainLoss), decimal(e.trainAccuracy), decimal(e.validationLoss), decimal(e.validationAccuracy),
                 String(Number(e.learningRate.toPrecision(3))), seconds(e.seconds).replace(' s', ''), Math.round(e.imagesPerSecond).toLocaleString('en-US')]
                  .forEach(function (text) { row.appendChild(el('td', { align: 'right' }, text)); });
                body.appendChild(row);
              });
              table.appendChild(body);
              live.appendChild(table);
              const total = epochs[epochs.length - 1].epochs;
              const curves = el('div', { 'class': 'loom-curves' });
              curves.appendChild(curve('Loss', epochs, 'trainLoss', 'validationLoss', total));
              curves.appendChild(curve('Accuracy', epochs, 'trainAccuracy', 'validationAccuracy', total));
              live.appendChild(curves);
            });
          }

          function renderProgress(index) {
            const view = cells.get(index), box = slot(index);
            if (!view || !box) { return; }
            const area = box.querySelector('.loom-progress');
            const p = view.progress;
            area.hidden = !(view.state === 'running' && p);
            if (area.hidden) { return; }
            const bar = area.querySelector('progress');
            bar.max = Math.max(p.total, 1); bar.value = p.completed;
            const percent = p.total > 0 ? Math.floor(100 * p.completed / p.total) : 0;
            const rate = p.rate ? ' · ' + Math.round(p.rate).toLocaleString('en-US') + ' ' + p.unit + '/s' : '';
            area.querySelector('.loom-progress-text').textContent = percent + '%' + rate + (p.message ? ' · ' + p.message : '');
          }

          function renderTasks(index) {
            const view = cells.get(index), box = slot(index);
            if (!view || !box) { return; }
            const area = box.querySelector('.loom-tasks');
            const tasks = view.tasks || [];
            area.hidden = tasks.length === 0;
            area.setAttribute('data-tasks', String(tasks.length));
            area.replaceChildren();
            if (area.hidden) { return; }
            const table = el('table');
            const head = el('tr');
            ['task', 'Slurm job', 'state', 'attempt', ''].forEach(function (h) { head.appendChild(el('th', { align: 'left' }, h)); });
            table.appendChild(el('thead')).appendChild(head);
            const body = el('tbody');
            tasks.forEach(function (t) {
              const row = el('tr', { 'data-job': t.job || '' });
              row.appendChild(el('td', {}, t.name));
              row.appendChild(el('td', {}, t.job || '–'));
              row.appendChild(el('td', {})).appendChild(el('span', { 'class': 'loom-task-state', 'data-state': t.state }, t.state));
              row.appendChild(el('td', { align: 'right' }, String(t.attempt)));
              row.appendChild(el('td', { 'class': 'detail' }, t.detail));
              body.appendChild(row);
            });
            table.appendChild(body);
            area.appendChild(table);
          }

          function renderTime(index) {
            const view = cells.get(index), box = slot(index);
            if (!view || !box) { return; }
            let value = view.seconds;
            if (view.state === 'running' && view.startedAt) { value = (Date.now() - view.startedAt) / 1000; }
            const label = view.state === 'cached' && value !== null && value !== undefined ? 'took ' + seconds(value) + ' when it ran' : seconds(value);
            box.querySelector('.loom-time').textContent = view.state === 'pending' || view.state === 'queued' ? '' : label;
          }

          function renderCell(view) {
            const old = cells.get(view.index);
            if (view.state === 'running') {
              view.startedAt = old && old.state === 'running' && old.startedAt ? old.startedAt : Date.now() - 1000 * (view.seconds || 0);
            }
            cells.set(view.index, view);
            const box = slot(view.index);
            if (!box) { return; }
            box.setAttribute('data-state', view.state);
            const badge = box.querySelector('.loom-state');
            badge.setAttribute('data-state', view.state);
            badge.textContent = view.state;
            const error = box.querySelector('.loom-error');
            error.hidden = !view.message;
            error.textContent = view.message ? (view.state === 'skipped' ? 'skipped: ' + view.message : view.message) : '';
            error.classList.toggle('loom-note', view.state === 'skipped');
            const outputs = box.querySelector('.loom-outputs');
            if (shown.get(view.index) !== view.html) {
              outputs.innerHTML = view.html;
              shown.set(view.index, view.html);
            }
            box.querySelector('.loom-stop').hidden = view.state !== 'running';
            box.querySelector('.loom-rerun').disabled = !runnable;
            renderTime(view.index); renderProgress(view.index); renderTasks(view.index); renderLive(view.index);
          }

          function renderRun(run) {
            phase = run.phase;
            const line = document.querySelector('.loom-run');
            line.setAttribute('data-phase', run.phase);
            line.textContent = (run.phase === 'idle' ? '' : run.phase + ' · ') + run.summary;
            line.title = line.textContent;
          }

          function renderProblems(problems) {
            const box = document.querySelector('.loom-problems');
            box.replaceChildren();
            box.hidden = problems.length === 0;
            if (box.hidden) { return; }
            const errorsOnly = problems.filter(function (p) { return !p.endsWith('(warning)'); }).length;
            box.appendChild(el('strong', {}, errorsOnly > 0 ? 'Nothing runs until these are fixed:' : 'Warnings:'));
            box.appendChild(el('pre', {}, problems.join('\n')));
          }

          const source = new EventSource('/events/' + encodeURIComponent(name));
          source.addEventListener('open', function () { document.querySelector('.loom-connection').textContent = ''; });
          source.addEventListener('error', function () { document.querySelector('.loom-connection').textContent = 'reconnecting…'; });
          source.addEventListener('document', function (event) {
            const data = JSON.parse(event.data);
            runnable = data.runnable;
            document.querySelector('main').innerHTML = data.main;
            document.querySelector('.loom-contents').innerHTML = data.contents;
            cells.clear();
            shown.clear();
            data.cells.forEach(renderCell);
            renderProblems(data.problems);
            renderRun(data.run);
            document.documentElement.setAttribute('data-loom-ready', 'true');
          });
          source.addEventListener('cell', function (event) { renderCell(JSON.parse(event.data)); });
          source.addEventListener('progress', function (event) {
            const data = JSON.parse(event.data), view = cells.get(data.index);
            if (view) { view.progress = data.progress; renderProgress(data.index); }
          });
          source.addEventListener('epoch', function (event) {
            const data = JSON.parse(event.data), view = cells.get(data.index);
            if (view) { view.epochs.push(data.epoch); renderLive(data.index); }
          });
          source.addEventListener('tasks', function (event) {
            const data = JSON.parse(event.data), view = cells.get(data.index);
            if (view) { view.tasks = data.tasks; renderTasks(data.index); }
          });
          source.addEventListener('run', function (event) { renderRun(JSON.parse(event.data)); });

          setInterval(function () { cells.forEach(function (view) { if (view.state === 'running') { renderTime(view.index); } }); }, 500);

          function post(path) {
            return fetch(path, { method: 'POST', headers: { 'X-Loom-Token': token }, credentials: 'same-origin' })
              .then(function (response) { if (!response.ok) { return response.text().then(function (text) { throw new Error(text); }); } })
              .catch(function (error) { document.querySelector('.loom-run').textContent = String(error.message || error); });
          }
          document.addEventListener('click', function (event) {
            const target = event.target;
            if (!(target instanceof HTMLButtonElement)) { return; }
            const cell = target.getAttribute('data-cell');
            if (target.classList.contains('loom-rerun')) {
              post('/api/' + encodeURIComponent(name) + '/rerun/' + cell);
            } else if (target.classList.contains('loom-stop')) {
              target.disabled = true;
              post('/api/' + encodeURIComponent(name) + '/stop').then(function () { target.disabled = false; });
            }
          });
        })();
        """#
}
