import { metricValue } from '@taller/testing';

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** POSTs `body` (JSON-encoded unless a string) and parses the JSON answer. */
export async function post<T = unknown>(
  url: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Reply<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

export async function get<T = unknown>(url: string): Promise<Reply<T>> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

/** One sample's value from the Prometheus text of `GET /metrics`. */
export async function metric(baseUrl: string, sample: string): Promise<number> {
  return metricValue(await (await fetch(`${baseUrl}/metrics`)).text(), sample);
}
