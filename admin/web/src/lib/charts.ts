/** chart.js with only the pieces the Usage page draws; imported lazily so that first load stays small. */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
Chart.defaults.color = '#5f6780';
Chart.defaults.animation = false;

export function drawChart(
  canvas: HTMLCanvasElement,
  config: ChartConfiguration,
): { update(config: ChartConfiguration): void; destroy(): void } {
  const chart = new Chart(canvas, config);
  return {
    update(next) {
      chart.data = next.data;
      if (next.options) chart.options = next.options;
      chart.update();
    },
    destroy: () => chart.destroy(),
  };
}

export type { ChartConfiguration };
