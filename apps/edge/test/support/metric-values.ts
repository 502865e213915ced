import type { Registry } from 'prom-client';

/**
 * The value of one sample of a registry (a histogram's `_count` or `_bucket` included), summed
 * over the samples whose labels include `labels`; 0 when there is none.
 */
export async function sample(
  registry: Registry,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  let sum = 0;
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values as {
      value: number;
      labels: Record<string, string | number>;
      metricName?: string;
    }[]) {
      if ((value.metricName ?? metric.name) !== name) continue;
      if (Object.entries(labels).every(([k, v]) => String(value.labels[k]) === v))
        sum += value.value;
    }
  }
  return sum;
}

/** Every label set of a metric with its value. */
export async function samples(
  registry: Registry,
  name: string,
): Promise<{ labels: Record<string, string>; value: number }[]> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map((v) => ({
    labels: Object.fromEntries(Object.entries(v.labels).map(([k, l]) => [k, String(l)])),
    value: v.value,
  }));
}
