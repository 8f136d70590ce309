import { uniqueName } from '@taller/testing';

/** Exchange and queue names unique to this test run, so runs never see each other's messages. */
export function brokerNames() {
  const prefix = uniqueName('ordertest');
  return {
    prefix,
    exchange: `${prefix}.orders`,
    resultsQueue: `${prefix}.service-results`,
    workerQueue: `${prefix}.worker-orders`,
  };
}
