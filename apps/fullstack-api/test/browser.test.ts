import type { TestDatabase } from '@taller/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.js';
import { call, type TaskJson } from './support/http.js';
import { migratedDatabase, startTestApp, type TestApp } from './support/testApp.js';

let database: TestDatabase;
let app: TestApp;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  database = await migratedDatabase();
  app = await startTestApp(database.url);
  browser = await launchChromium();
  page = await browser.newPage();
  // Script errors and CSP violations both surface here: the page must produce none.
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('status of 4'))
      problems.push(message.text());
  });
  await page.goto(app.url);
  await page.waitForSelector('body[data-ready="true"]');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await database?.drop();
});

const row = (title: string) => page.locator('li.task', { hasText: title });

describe('the task board page', () => {
  it('adds a task, marks it done, and still shows it done after a reload', async () => {
    await page.getByLabel('Title').fill('Deploy the fullstack project');
    await page.getByLabel('Description').fill('kubectl apply -k k8s/overlays/dev');
    await page.getByRole('button', { name: 'Add task' }).click();
    await expect.poll(() => row('Deploy the fullstack project').count()).toBe(1);
    await expect.poll(() => page.getByLabel('Title').inputValue()).toBe('');

    await page.getByLabel('Status of Deploy the fullstack project').selectOption('done');
    await expect
      .poll(() => row('Deploy the fullstack project').getAttribute('data-status'))
      .toBe('done');

    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.getByLabel('Status of Deploy the fullstack project').inputValue()).toBe(
      'done',
    );
    expect(await row('Deploy the fullstack project').getAttribute('data-status')).toBe('done');
    expect(await row('Deploy the fullstack project').textContent()).toContain(
      'kubectl apply -k k8s/overlays/dev',
    );
    const stored = await app.pool.query<{ status: string }>(
      'SELECT status FROM tasks WHERE title = $1',
      ['Deploy the fullstack project'],
    );
    expect(stored.rows).toEqual([{ status: 'done' }]);
    expect(problems).toEqual([]);
  });

  it('shows the API error when a task is refused', async () => {
    await page.getByLabel('Title').fill('   ');
    await page.getByRole('button', { name: 'Add task' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.isVisible()).toBe(true);
    expect(await alert.textContent()).toContain('The request body is invalid');
    expect(await alert.textContent()).toContain('title:');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => alert.isVisible()).toBe(false);
  });

  it('reports a conflict when the task changed elsewhere, then shows the current state', async () => {
    await page.getByLabel('Title').fill('Contended in the page');
    await page.getByRole('button', { name: 'Add task' }).click();
    await expect.poll(() => row('Contended in the page').count()).toBe(1);
    const id = await row('Contended in the page').getAttribute('data-id');
    const elsewhere = await call<TaskJson>(app.url, 'PATCH', `/api/tasks/${id}`, {
      json: { status: 'doing', version: 1 },
    });
    expect(elsewhere.status).toBe(200);

    await page.getByLabel('Status of Contended in the page').selectOption('done');
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('changed since you read it');
    await expect
      .poll(() => page.getByLabel('Status of Contended in the page').inputValue())
      .toBe('doing');
  });

  it('deletes a task for good', async () => {
    await page.getByRole('button', { name: 'Delete Deploy the fullstack project' }).click();
    await expect.poll(() => row('Deploy the fullstack project').count()).toBe(0);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await row('Deploy the fullstack project').count()).toBe(0);
    expect(await row('Contended in the page').count()).toBe(1);
    expect(problems).toEqual([]);
  });
});
