/**
 * A tiny SVG writer for the examples' pictures: panels with axes, line
 * plots, points, circles and pixel images. No dependencies; the output is a
 * self-contained `.svg` file any browser shows.
 */

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => (Math.abs(v) < 1e-9 ? '0' : String(Math.round(v * 100) / 100));

/** A categorical palette (readable on white). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** An RGB colour with components in [0, 1] as `rgb(…)`. */
export function rgb(r: number, g: number, b: number): string {
  const c = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  return `rgb(${c(r)},${c(g)},${c(b)})`;
}

/** A drawing: elements appended in order, rendered by `toString()`. */
export class Svg {
  private readonly parts: string[] = [];
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  add(element: string): this {
    this.parts.push(element);
    return this;
  }

  text(x: number, y: number, s: string, opts: { size?: number; anchor?: 'start' | 'middle' | 'end'; color?: string; weight?: string } = {}): this {
    return this.add(
      `<text x="${num(x)}" y="${num(y)}" font-family="sans-serif" font-size="${opts.size ?? 12}" text-anchor="${opts.anchor ?? 'start'}" fill="${opts.color ?? '#222'}"${opts.weight ? ` font-weight="${opts.weight}"` : ''}>${esc(s)}</text>`,
    );
  }

  line(x1: number, y1: number, x2: number, y2: number, color = '#222', width = 1, dash?: string): this {
    return this.add(`<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
  }

  polyline(points: readonly (readonly [number, number])[], color = '#222', width = 1.5, dash?: string): this {
    const pts = points.map(([x, y]) => `${num(x)},${num(y)}`).join(' ');
    return this.add(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="${width}" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
  }

  circle(cx: number, cy: number, r: number, fill: string, opts: { stroke?: string; strokeWidth?: number; opacity?: number } = {}): this {
    return this.add(
      `<circle cx="${num(cx)}" cy="${num(cy)}" r="${num(r)}" fill="${fill}"${opts.stroke ? ` stroke="${opts.stroke}" stroke-width="${opts.strokeWidth ?? 1}"` : ''}${opts.opacity !== undefined ? ` fill-opacity="${opts.opacity}"` : ''}/>`,
    );
  }

  rect(x: number, y: number, w: number, h: number, fill: string, stroke?: string): this {
    return this.add(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="${fill}"${stroke ? ` stroke="${stroke}"` : ''}/>`);
  }

  /** An image given as rows of RGB triples in [0, 1], drawn as one rect per pixel. */
  image(x: number, y: number, pixels: readonly (readonly (readonly number[])[])[], size: number, title?: string): this {
    const h = pixels.length;
    const w = pixels[0]?.length ?? 0;
    const s = size / Math.max(w, h);
    const cells: string[] = [];
    pixels.forEach((row, i) => row.forEach((p, j) => cells.push(`<rect x="${num(x + j * s)}" y="${num(y + i * s)}" width="${num(s + 0.05)}" height="${num(s + 0.05)}" fill="${rgb(p[0]!, p[1]!, p[2]!)}"/>`)));
    this.add(`<g shape-rendering="crispEdges">${cells.join('')}</g>`);
    this.rect(x, y, w * s, h * s, 'none', '#888');
    if (title) this.text(x + (w * s) / 2, y - 6, title, { anchor: 'middle' });
    return this;
  }

  toString(): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">\n<rect width="100%" height="100%" fill="white"/>\n${this.parts.join('\n')}\n</svg>\n`;
  }
}

let clipIds = 0;

/** Maps data coordinates into a rectangle of the drawing, y up. */
export class Panel {
  private clipId: string | undefined;

  constructor(
    readonly svg: Svg,
    readonly x: number,
    readonly y: number,
    readonly w: number,
    readonly h: number,
    readonly xRange: readonly [number, number],
    readonly yRange: readonly [number, number],
  ) {}

  px(v: number): number {
    const [a, b] = this.xRange;
    return this.x + ((v - a) / (b - a || 1)) * this.w;
  }

  py(v: number): number {
    const [a, b] = this.yRange;
    return this.y + this.h - ((v - a) / (b - a || 1)) * this.h;
  }

  /** Frame, title, axis labels and min/max tick values. */
  frame(title: string, xLabel = '', yLabel = '', ticks = true): this {
    const s = this.svg;
    s.rect(this.x, this.y, this.w, this.h, 'none', '#999');
    s.text(this.x + this.w / 2, this.y - 8, title, { anchor: 'middle', size: 13, weight: 'bold' });
    if (xLabel) s.text(this.x + this.w / 2, this.y + this.h + 30, xLabel, { anchor: 'middle', size: 11, color: '#555' });
    if (yLabel) s.add(`<text transform="translate(${num(this.x - 38)},${num(this.y + this.h / 2)}) rotate(-90)" font-family="sans-serif" font-size="11" text-anchor="middle" fill="#555">${esc(yLabel)}</text>`);
    if (ticks) {
      const f = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Math.round(v * 100) / 100));
      s.text(this.x, this.y + this.h + 14, f(this.xRange[0]), { size: 10, color: '#666' });
      s.text(this.x + this.w, this.y + this.h + 14, f(this.xRange[1]), { size: 10, color: '#666', anchor: 'end' });
      s.text(this.x - 4, this.y + this.h, f(this.yRange[0]), { size: 10, color: '#666', anchor: 'end' });
      s.text(this.x - 4, this.y + 10, f(this.yRange[1]), { size: 10, color: '#666', anchor: 'end' });
    }
    return this;
  }

  series(xs: readonly number[], ys: readonly number[], color: string, width = 1.5, dash?: string): this {
    this.svg.polyline(xs.map((x, i) => [this.px(x), this.py(ys[i]!)] as const), color, width, dash);
    return this;
  }

  /** Like `series`, but cut off at the panel's edges (for curves that leave the range). */
  clippedSeries(xs: readonly number[], ys: readonly number[], color: string, width = 1.5, dash?: string): this {
    if (!this.clipId) {
      this.clipId = `clip${++clipIds}`;
      this.svg.add(`<clipPath id="${this.clipId}"><rect x="${num(this.x)}" y="${num(this.y)}" width="${num(this.w)}" height="${num(this.h)}"/></clipPath>`);
    }
    const pts = xs.map((x, i) => `${num(this.px(x))},${num(this.py(ys[i]!))}`).join(' ');
    this.svg.add(`<polyline clip-path="url(#${this.clipId})" points="${pts}" fill="none" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    return this;
  }

  points(xs: readonly number[], ys: readonly number[], color: string, r = 3, opts: { stroke?: string; opacity?: number } = {}): this {
    xs.forEach((x, i) => this.svg.circle(this.px(x), this.py(ys[i]!), r, color, opts));
    return this;
  }

  legend(entries: readonly [string, string][]): this {
    entries.forEach(([label, color], i) => {
      const y = this.y + 14 + i * 15;
      this.svg.line(this.x + this.w - 110, y - 4, this.x + this.w - 92, y - 4, color, 2.5);
      this.svg.text(this.x + this.w - 88, y, label, { size: 11 });
    });
    return this;
  }
}

/** [min, max] of values with a margin, never empty. */
export function extent(values: readonly number[], margin = 0.05): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const m = (hi - lo) * margin;
  return [lo - m, hi + m];
}

/** A loss curve panel on a log scale (values ≤ 0 clamped). */
export function lossPanel(svg: Svg, x: number, y: number, w: number, h: number, losses: readonly number[], title = 'loss (log scale)'): Panel {
  const logs = losses.map((l) => Math.log10(Math.max(l, 1e-12)));
  const p = new Panel(svg, x, y, w, h, [0, Math.max(1, losses.length - 1)], extent(logs));
  p.frame(title, 'step', 'log10 loss');
  p.series(logs.map((_, i) => i), logs, PALETTE[0]!);
  return p;
}
