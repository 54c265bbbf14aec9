/**
 * Code the browser test runs inside the page. Written as source text because it runs against the
 * DOM, whose types the server-side TypeScript project does not load.
 */

/** [label, value] of each row of the data tables under `selector`. */
export const tableRows = (selector: string): string => `
  [...document.querySelectorAll(${JSON.stringify(`${selector} .chart-data tbody tr`)})].map((row) => [
    row.querySelector('.label').textContent,
    Number(row.querySelector('.value').dataset.value),
  ])`;

/** For every canvas: how many pixels are drawn, and how many in (nearly) the colour [r, g, b]. */
export const canvasInk = ([r, g, b]: [number, number, number]): string => `
  [...document.querySelectorAll('canvas')].map((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let inked = 0;
    let brand = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 0) continue;
      inked += 1;
      if (Math.abs(data[i] - ${r}) + Math.abs(data[i + 1] - ${g}) + Math.abs(data[i + 2] - ${b}) < 12) brand += 1;
    }
    return { inked, brand };
  })`;

/** Computed colours of the page's main parts. */
export const pageColours = `({
  background: getComputedStyle(document.body).backgroundColor,
  text: getComputedStyle(document.body).color,
  title: getComputedStyle(document.querySelector('h1')).color,
  kpi: getComputedStyle(document.querySelector('.kpi-value')).color,
})`;
