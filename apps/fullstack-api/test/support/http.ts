export interface TaskJson {
  id: string;
  title: string;
  description: string;
  status: 'todo' | 'doing' | 'done';
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface PageJson {
  items: TaskJson[];
  nextCursor: string | null;
}

export interface ErrorJson {
  error: { code: string; message: string; details: unknown };
}

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or null when there is none. */
  body: T;
}

export interface CallOptions {
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as is (set the content type in `headers`). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** One HTTP request to the app; the JSON body of the answer, parsed. */
export async function call<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  { json, raw, headers = {} }: CallOptions = {},
): Promise<Reply<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: json === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: json === undefined ? raw : JSON.stringify(json),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === '' ? null : JSON.parse(text)) as T,
  };
}
