/** What the helpers read from a prom-client `Registry`, without depending on prom-client. */
export interface MetricsSource {
  getMetricsAsJSON(): Promise<
    readonly {
      readonly name: string;
      readonly values: readonly {
        readonly value: number;
        readonly labels: Partial<Record<string, string | number>>;
        readonly metricName?: string;
      }[];
    }[]
  >;
}

/**
 * The value of one sample of a registry (a histogram's `_count` or `_bucket` included), summed
 * over the samples whose labels include `labels`; 0 when there is none.
 */
export async function sample(
  registry: MetricsSource,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  let sum = 0;
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      if ((value.metricName ?? metric.name) !== name) continue;
      if (Object.entries(labels).every(([k, v]) => String(value.labels[k]) === v))
        sum += value.value;
    }
  }
  return sum;
}

/** Every label set of a metric with its value. */
export async function samples(
  registry: MetricsSource,
  name: string,
): Promise<{ labels: Record<string, string>; value: number }[]> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map((v) => ({
    labels: Object.fromEntries(Object.entries(v.labels).map(([k, l]) => [k, String(l)])),
    value: v.value,
  }));
}
