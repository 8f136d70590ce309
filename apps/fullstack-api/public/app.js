// The task board page: plain DOM, no framework, no inline code (the CSP allows only this file).
const STATUSES = [
  ['todo', 'to do'],
  ['doing', 'doing'],
  ['done', 'done'],
];

const elements = {
  form: document.getElementById('new-task'),
  title: document.getElementById('new-title'),
  description: document.getElementById('new-description'),
  filter: document.getElementById('filter'),
  list: document.getElementById('tasks'),
  empty: document.getElementById('empty'),
  more: document.getElementById('more'),
  error: document.getElementById('error'),
  errorMessage: document.getElementById('error-message'),
  errorDetails: document.getElementById('error-details'),
  errorClose: document.getElementById('error-close'),
};

let nextCursor = null;

/** An error answered by the API: `{"error": {"code", "message", "details"}}`. */
class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `The server answered ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'unknown';
    this.details = body?.error?.details ?? null;
  }
}

async function api(method, path, { body, version } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  // The task's ETag is its version: the server refuses the write if someone changed it since.
  if (version !== undefined) headers['if-match'] = `"${version}"`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { error: { code: 'network', message: 'The server cannot be reached' } });
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function showError(error) {
  elements.errorMessage.textContent =
    error instanceof ApiError
      ? `${error.message} (${error.status || 'network'} ${error.code})`
      : String(error);
  elements.errorDetails.replaceChildren(
    ...(Array.isArray(error.details) ? error.details : []).map((detail) => {
      const item = document.createElement('li');
      item.textContent = detail.field ? `${detail.field}: ${detail.message}` : detail.message;
      return item;
    }),
  );
  elements.error.hidden = false;
}

function clearError() {
  elements.error.hidden = true;
}

function renderTask(task) {
  const item = document.createElement('li');
  item.className = 'task';
  item.dataset.id = task.id;
  item.dataset.status = task.status;

  const text = document.createElement('div');
  const title = document.createElement('span');
  title.className = 'title';
  title.textContent = task.title;
  text.append(title);
  if (task.description) {
    const description = document.createElement('p');
    description.className = 'description';
    description.textContent = task.description;
    text.append(description);
  }

  const status = document.createElement('select');
  status.setAttribute('aria-label', `Status of ${task.title}`);
  for (const [value, label] of STATUSES)
    status.append(new Option(label, value, false, value === task.status));
  status.addEventListener('change', () => changeStatus(task, status, item));

  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'delete';
  remove.textContent = 'Delete';
  remove.setAttribute('aria-label', `Delete ${task.title}`);
  remove.addEventListener('click', () => deleteTask(task, remove, item));

  item.append(text, status, remove);
  return item;
}

async function changeStatus(task, select, item) {
  select.disabled = true;
  clearError();
  try {
    const updated = await api('PATCH', `/api/tasks/${task.id}`, {
      body: { status: select.value },
      version: task.version,
    });
    item.replaceWith(renderTask(updated));
  } catch (error) {
    showError(error);
    // A conflict or a vanished task: show the board as it is now.
    await loadTasks();
  } finally {
    select.disabled = false;
  }
}

async function deleteTask(task, button, item) {
  button.disabled = true;
  clearError();
  try {
    await api('DELETE', `/api/tasks/${task.id}`, { version: task.version });
    item.remove();
    elements.empty.hidden = elements.list.children.length > 0;
  } catch (error) {
    showError(error);
    await loadTasks();
  }
}

async function loadTasks({ append = false } = {}) {
  const query = new URLSearchParams({ limit: '20' });
  if (elements.filter.value) query.set('status', elements.filter.value);
  if (append && nextCursor) query.set('cursor', nextCursor);
  try {
    const page = await api('GET', `/api/tasks?${query}`);
    const items = page.items.map(renderTask);
    if (append) elements.list.append(...items);
    else elements.list.replaceChildren(...items);
    nextCursor = page.nextCursor;
    elements.more.hidden = nextCursor === null;
    elements.empty.hidden = elements.list.children.length > 0;
  } catch (error) {
    showError(error);
  }
}

elements.form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const submit = elements.form.querySelector('button[type="submit"]');
  submit.disabled = true;
  clearError();
  try {
    await api('POST', '/api/tasks', {
      body: { title: elements.title.value, description: elements.description.value },
    });
    elements.form.reset();
    await loadTasks();
  } catch (error) {
    showError(error);
  } finally {
    submit.disabled = false;
    elements.title.focus();
  }
});
elements.filter.addEventListener('change', () => loadTasks());
elements.more.addEventListener('click', () => loadTasks({ append: true }));
elements.errorClose.addEventListener('click', clearError);

await loadTasks();
document.body.dataset.ready = 'true';
