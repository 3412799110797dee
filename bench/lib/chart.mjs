/**
 * A dependency-free SVG line chart: one or more panels, each plotting series of (x, median) points with min–max
 * whiskers against a shared categorical x axis (the connection counts).
 * @module
 */

/**
 * @typedef {object} Series
 * @property {string} label
 * @property {string} color CSS colour
 * @property {{x: number, median: number, min: number, max: number}[]} points
 * @property {boolean} [dashed]
 */

/**
 * @typedef {object} Panel
 * @property {string} title
 * @property {string} yLabel
 * @property {Series[]} series
 * @property {(v: number) => string} [format] tick label format
 */

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** @param {string} s */
function esc(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A "nice" axis maximum and step (1, 2, 2.5 or 5 × 10^k) covering `max`.
 * @param {number} max
 * @param {number} [ticks]
 */
export function niceScale(max, ticks = 5) {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 0.2 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  return { max: Math.ceil(max / step) * step, step };
}

/** @param {number} v */
function defaultFormat(v) {
  if (Math.abs(v) >= 1000) return `${Number((v / 1000).toFixed(1))}k`;
  return String(Number(v.toFixed(2)));
}

/**
 * Renders panels side by side.
 * @param {{title: string, subtitle?: string, xLabel: string, xValues: number[], panels: Panel[]}} chart
 * @returns {string} an SVG document
 */
export function renderChart(chart) {
  const panelW = 380;
  const panelH = 300;
  const margin = { left: 64, right: 20, top: 84, bottom: 110 };
  const width = margin.left + chart.panels.length * (panelW + margin.left + margin.right) - margin.left + margin.right;
  const height = margin.top + panelH + margin.bottom;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(chart.title)}">`,
  );
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(
    `<text x="${margin.left}" y="26" ${FONT} font-size="17" font-weight="600" fill="#111">${esc(chart.title)}</text>`,
  );
  if (chart.subtitle) {
    out.push(`<text x="${margin.left}" y="46" ${FONT} font-size="12" fill="#555">${esc(chart.subtitle)}</text>`);
  }
  const xs = chart.xValues;
  chart.panels.forEach((panel, p) => {
    const x0 = margin.left + p * (panelW + margin.left + margin.right);
    const y0 = margin.top;
    const fmt = panel.format ?? defaultFormat;
    const allMax = Math.max(0, ...panel.series.flatMap((s) => s.points.map((pt) => pt.max)).filter(Number.isFinite));
    const { max, step } = niceScale(allMax);
    const px = (/** @type {number} */ x) => {
      const i = xs.indexOf(x);
      return x0 + (xs.length === 1 ? panelW / 2 : 40 + (i * (panelW - 80)) / (xs.length - 1));
    };
    const py = (/** @type {number} */ v) => y0 + panelH - (v / max) * panelH;
    out.push(`<g>`);
    out.push(
      `<text x="${x0}" y="${y0 - 10}" ${FONT} font-size="14" font-weight="600" fill="#222">${esc(panel.title)}</text>`,
    );
    for (let v = 0; v <= max + step / 2; v += step) {
      const y = py(v).toFixed(1);
      out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
      out.push(
        `<text x="${x0 - 6}" y="${y}" ${FONT} font-size="11" fill="#666" text-anchor="end" dominant-baseline="middle">${esc(fmt(v))}</text>`,
      );
    }
    out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${y0 + panelH}" y2="${y0 + panelH}" stroke="#999"/>`);
    out.push(`<line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y0 + panelH}" stroke="#999"/>`);
    for (const x of xs) {
      out.push(
        `<text x="${px(x).toFixed(1)}" y="${y0 + panelH + 18}" ${FONT} font-size="11" fill="#444" text-anchor="middle">${x}</text>`,
      );
    }
    out.push(
      `<text x="${x0 + panelW / 2}" y="${y0 + panelH + 36}" ${FONT} font-size="12" fill="#444" text-anchor="middle">${esc(chart.xLabel)}</text>`,
    );
    const ly = y0 + panelH / 2;
    out.push(
      `<text transform="translate(${x0 - 48} ${ly}) rotate(-90)" ${FONT} font-size="12" fill="#444" text-anchor="middle">${esc(panel.yLabel)}</text>`,
    );
    panel.series.forEach((s, si) => {
      const pts = s.points.filter((pt) => Number.isFinite(pt.median) && xs.includes(pt.x));
      const off = (si - (panel.series.length - 1) / 2) * 6;
      if (pts.length > 1) {
        const d = pts
          .map((pt, i) => `${i === 0 ? 'M' : 'L'}${(px(pt.x) + off).toFixed(1)},${py(pt.median).toFixed(1)}`)
          .join(' ');
        out.push(
          `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
        );
      }
      for (const pt of pts) {
        const cx = (px(pt.x) + off).toFixed(1);
        if (Number.isFinite(pt.min) && Number.isFinite(pt.max)) {
          out.push(
            `<line x1="${cx}" x2="${cx}" y1="${py(pt.min).toFixed(1)}" y2="${py(pt.max).toFixed(1)}" stroke="${s.color}" stroke-width="1.5"/>`,
          );
        }
        out.push(
          `<circle cx="${cx}" cy="${py(pt.median).toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(`${s.label}, ${chart.xLabel} ${pt.x}: ${fmt(pt.median)} (min ${fmt(pt.min)}, max ${fmt(pt.max)})`)}</title></circle>`,
        );
      }
    });
    out.push(`</g>`);
  });
  // Legend, under the panels (the series of the first panel; every panel uses the same ones).
  const legendY = margin.top + panelH + 62;
  let lx = margin.left;
  for (const s of chart.panels[0]?.series ?? []) {
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${legendY}" y2="${legendY}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    out.push(`<circle cx="${lx + 12}" cy="${legendY}" r="3.5" fill="${s.color}"/>`);
    out.push(
      `<text x="${lx + 30}" y="${legendY}" ${FONT} font-size="12" fill="#333" dominant-baseline="middle">${esc(s.label)}</text>`,
    );
    lx += 40 + s.label.length * 6.6;
  }
  out.push(
    `<text x="${margin.left}" y="${legendY + 28}" ${FONT} font-size="11" fill="#777">Dots: median of the repetitions; whiskers: min–max.</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
