// A sparkline drawn on the server as an inline SVG polyline: no script, scales with the text, and
// its aria-label gives the numbers to those who cannot see the line.
import { html, type Html } from './html.ts';

const WIDTH = 100;
const HEIGHT = 24;
const PAD = 2;

/** `values` oldest first; `label` says what they are, e.g. "Upvotes over the last 7 days". */
export function sparkline(values: number[], label: string): Html {
  if (values.length < 2) return html``;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const points = values
    .map((v, i) => {
      const x = PAD + ((WIDTH - 2 * PAD) * i) / (values.length - 1);
      const y = HEIGHT - PAD - ((HEIGHT - 2 * PAD) * (v - min)) / span;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  const words = `${label}: from ${values[0]} to ${values[values.length - 1]} (${values.join(', ')})`;
  return html`<svg class="sparkline" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${words}"><title>${words}</title><polyline points="${points}" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/></svg>`;
}
