// The dashboard kyoso-node serves at /dashboard/: the town's payments between groups as a
// Sankey diagram, velocity and leakage over six months, and LM3 per programme, read from
// the node's HTTP gateway (docs/api.md) on the page's own origin. Figures come as the node
// releases them; a suppressed cell or a held-back figure is shown as such, never guessed.
//
// When everything is drawn, <body data-ready="true">; on an error, data-error holds it.
// window.kyosoDashboard.figures is read back from the charts once drawn (what each one
// holds), for the end-to-end test.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([SankeyChart, LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent,
             SVGRenderer]);

const MONTHS_SHOWN = 6;

// GET a gateway path; resolves to the JSON reply or throws its error message.
async function read(path, params) {
  const response = await fetch(`${path}?${new URLSearchParams(params)}`);
  const body = await response.json().catch(() => ({ message: response.statusText }));
  if (!response.ok) throw new Error(`${path}: ${body.message || response.status}`);
  return body;
}

// A minor-unit decimal string as text with thousands separators ("" stays "").
function amountText(minor) {
  return minor ? BigInt(minor).toLocaleString('en') : '';
}

// "2026-03-14" → the first day of its month, and of the month `back` months before.
function monthStart(day, back = 0) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() - back);
  return date.toISOString().slice(0, 10);
}

// "2026-03-01" → "2026-02-28".
function dayBefore(day) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}

function fillTable(table, headers, rows) {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const text of headers) head.appendChild(document.createElement('th')).textContent = text;
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    if (row.className) tr.className = row.className;
    for (const cell of row.cells) {
      const td = tr.insertCell();
      td.textContent = cell.text;
      if (cell.num) td.className = 'num';
    }
  }
}

const CHARTS = ['flows', 'velocity', 'leakage', 'lm3'];

// Charts appear at once, not animated in: a figure on the page is the figure drawn.
function chartIn(id) {
  const element = document.getElementById(id);
  const chart = echarts.getInstanceByDom(element) || echarts.init(element, null, { renderer: 'svg' });
  return { setOption: (option, replace) => chart.setOption({ animation: false, ...option }, replace),
           resize: () => chart.resize(), option: () => chart.getOption() };
}

// What the charts hold, read back from them: a ratio as its text, or null when absent.
// `flowsPeriod`: the flows' period as the node served it (start, end, until).
function drawnFigures(months, flowsPeriod) {
  const flows = chartIn('flows-chart').option().series[0];
  const byProgramme = (id) => Object.fromEntries(chartIn(`${id}-chart`).option().series
    .map((series) => [series.name, series.data.map((point) => point?.text ?? null)]));
  const lm3 = chartIn('lm3-chart').option();
  return {
    flows: { links: flows.links.map((link) => ({ from: link.from, to: link.to, sum: link.sum })),
             suppressed: flows.suppressed, ...flowsPeriod },
    months,
    velocity: byProgramme('velocity'),
    leakage: byProgramme('leakage'),
    lm3: Object.fromEntries(lm3.xAxis[0].data.map((programme, i) => [
      programme, lm3.series[0].data[i]?.text ?? null])),
  };
}

// The programmes whose money was paid out or spent in the period (in a cell suppressed
// or not), and free money.
async function programmesOf(query) {
  const names = new Set(['free']);
  for (const flowClass of ['issuance', 'payment']) {
    const table = await read('/v1/flow-table', { ...query, flow_class: flowClass,
                                                 payer_group: 'kind', payee_group: 'program' });
    for (const cell of table.cells || []) names.add(cell.payee_group);
  }
  return [...names].sort();
}

// What a period not served whole shows (docs/flows.md, Running periods): by default none
// of it until every month it touches has ended, else its days before `until`.
function untilNote(table) {
  if (!table.until || table.until >= table.end) return '';
  if (table.until <= table.start) {
    return 'Not served yet: none of its flows. ';
  }
  return `The period has not ended: flows before ${table.until} only. `;
}

async function drawFlows(query, group) {
  const table = await read('/v1/flow-table', { ...query, flow_class: 'payment',
                                               payer_group: group, payee_group: group });
  const cells = table.cells || [];
  const released = cells.filter((cell) => cell.suppression === 'released');
  const suppressed = cells.filter((cell) => cell.suppression !== 'released');
  // Payers and payees are distinct nodes (a sector pays itself too), labelled by group.
  const payer = (name) => `from\u0000${name}`;
  const payee = (name) => `to\u0000${name}`;
  const groupOf = (node) => node.slice(node.indexOf('\u0000') + 1);
  // Each band keeps its cell's exact figures beside the width it is drawn with.
  const links = released.map((cell) => ({ source: payer(cell.payer_group),
                                          target: payee(cell.payee_group),
                                          value: Number(cell.sum_minor), from: cell.payer_group,
                                          to: cell.payee_group, sum: cell.sum_minor }));
  const nodes = [...new Set(links.flatMap((link) => [link.source, link.target]))]
    .map((name) => ({ name }));
  chartIn('flows-chart').setOption({
    tooltip: { trigger: 'item' },
    series: [{ type: 'sankey', data: nodes, links, emphasis: { focus: 'adjacency' },
               suppressed: suppressed.map((cell) => ({ from: cell.payer_group,
                                                       to: cell.payee_group,
                                                       why: cell.suppression })),
               left: 24, right: 160,
               label: { fontSize: 12, color: '#1d2733',
                        formatter: (node) => groupOf(node.name) },
               tooltip: { formatter: (item) => (item.dataType === 'edge'
                 ? `${item.data.from} → ${item.data.to}: ${amountText(item.data.sum)}`
                 : groupOf(item.name)) },
               lineStyle: { color: 'gradient', opacity: 0.45 } }],
  }, true);
  document.getElementById('flows-note').textContent =
    `${table.period} from ${table.start} to ${table.end} (end excluded), sums in minor units. ` +
    untilNote(table) +
    `${released.length} of ${cells.length} flows released; ${suppressed.length} suppressed.`;
  const period = { start: table.start, end: table.end, until: table.until };
  fillTable(document.getElementById('flows-table'),
            ['From', 'To', 'Payments', 'Sum', 'Payers', 'Payees', 'Disclosure'],
            cells.map((cell) => ({
              className: cell.suppression === 'released' ? '' : 'suppressed',
              cells: [{ text: cell.payer_group }, { text: cell.payee_group },
                      { text: cell.suppression === 'released' ? String(cell.count || 0) : '—',
                        num: true },
                      { text: amountText(cell.sum_minor) || '—', num: true },
                      { text: cell.suppression === 'released' ? String(cell.distinct_payers || 0)
                                                             : '—', num: true },
                      { text: cell.suppression === 'released' ? String(cell.distinct_payees || 0)
                                                             : '—', num: true },
                      { text: cell.suppression === 'released' ? 'released'
                                                             : `suppressed (${cell.suppression})` }],
            })));
  return period;
}

// One ratio per programme per month (null when held back): a line per programme.
function drawTrend(id, months, byProgramme, field) {
  const series = Object.entries(byProgramme).map(([programme, metrics]) => ({
    name: programme, type: 'line', connectNulls: false,
    data: metrics.map((m) => (m[field] ? { value: Number(m[field]), text: m[field] } : null)),
  }));
  chartIn(`${id}-chart`).setOption({
    tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 56, right: 16, top: 36, bottom: 32 },
    xAxis: { type: 'category', data: months.map((m) => m.slice(0, 7)) },
    yAxis: { type: 'value' }, series,
  }, true);
  fillTable(document.getElementById(`${id}-table`), ['Programme', ...months.map((m) => m.slice(0, 7))],
            Object.entries(byProgramme).map(([programme, metrics]) => ({
              cells: [{ text: programme },
                      ...metrics.map((m) => ({ text: m[field] || '—', num: true }))],
            })));
}

function drawLm3(metricsByProgramme) {
  const programmes = Object.keys(metricsByProgramme);
  chartIn('lm3-chart').setOption({
    tooltip: {}, grid: { left: 48, right: 16, bottom: 32 },
    xAxis: { type: 'category', data: programmes }, yAxis: { type: 'value', min: 0 },
    series: [{ type: 'bar', label: { show: true, position: 'top' },
               data: programmes.map((p) => (metricsByProgramme[p].lm3
                 ? { value: Number(metricsByProgramme[p].lm3), text: metricsByProgramme[p].lm3,
                     label: { formatter: metricsByProgramme[p].lm3 } }
                 : null)) }],
  }, true);
  fillTable(document.getElementById('lm3-table'),
            ['Programme', 'Paid out (R1)', 'Spent (R2)', 'Re-spent (R3)', 'LM3'],
            programmes.map((p) => {
              const m = metricsByProgramme[p];
              return { cells: [{ text: p },
                               { text: amountText(m.paid_out_minor) || 'held back', num: true },
                               { text: amountText(m.spent_minor) || 'held back', num: true },
                               { text: amountText(m.respent_minor) || 'held back', num: true },
                               { text: m.lm3 || '—', num: true }] };
            }));
}

// Whether the page's period is settled: asked for in the link or the form. Until it is,
// the page opens on the period before the current one when the node serves nothing of
// the current one yet (docs/flows.md, Running periods: by default a month is served once
// it has ended), so that it opens on figures rather than an empty chart.
let periodSettled = false;

// The day to show first: the form's, or the last day before its period if the node
// serves nothing of that period yet.
async function firstDay(form) {
  const { currency, period, day } = Object.fromEntries(new FormData(form));
  const table = await read('/v1/flow-table', { currency, period, day, flow_class: 'payment',
                                               payer_group: 'kind', payee_group: 'kind' });
  return table.until && table.until <= table.start ? dayBefore(table.start) : day;
}

async function show(form) {
  if (!periodSettled) {
    const day = await firstDay(form);
    if (!periodSettled) form.day.value = day;  // Unless chosen meanwhile.
    periodSettled = true;
  }
  const { currency, period, day, group } = Object.fromEntries(new FormData(form));
  const query = { currency, period, day };
  const flowsPeriod = await drawFlows(query, group);
  const programmes = await programmesOf(query);
  const months = [];
  for (let back = MONTHS_SHOWN - 1; back >= 0; back -= 1) months.push(monthStart(day, back));
  const monthly = {};
  const current = {};
  await Promise.all(programmes.map(async (program) => {
    monthly[program] = await Promise.all(months.map((month) => read(
      '/v1/program-metrics', { currency, period: 'month', day: month, program })));
    current[program] = await read('/v1/program-metrics', { ...query, program });
  }));
  const sorted = (object) => Object.fromEntries(Object.keys(object).sort()
    .map((key) => [key, object[key]]));
  drawTrend('velocity', months, sorted(monthly), 'velocity');
  drawTrend('leakage', months, sorted(monthly), 'leakage');
  drawLm3(sorted(current));
  return drawnFigures(months, flowsPeriod);
}

// Only the latest of overlapping refreshes draws its outcome.
let latest = 0;
async function refresh(form) {
  const mine = ++latest;
  document.body.dataset.ready = 'false';
  delete document.body.dataset.error;
  document.getElementById('status').textContent = '';
  try {
    const figures = await show(form);
    if (mine !== latest) return;
    window.kyosoDashboard.figures = figures;
    document.body.dataset.ready = 'true';
  } catch (error) {
    if (mine !== latest) return;
    document.body.dataset.error = error.message;
    document.getElementById('status').textContent = error.message;
  }
}

function start() {
  window.kyosoDashboard = { figures: null };
  const form = document.getElementById('controls');
  const params = new URLSearchParams(window.location.search);
  form.currency.value = params.get('currency') || 'BUNJI';
  form.period.value = params.get('period') || 'month';
  form.day.value = params.get('day') || new Date().toISOString().slice(0, 10);
  periodSettled = params.has('day');
  form.group.value = params.get('group') || 'sector';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    periodSettled = true;
    refresh(form);
  });
  window.addEventListener('resize', () => {
    for (const id of CHARTS) chartIn(`${id}-chart`).resize();
  });
  refresh(form);
}

start();
