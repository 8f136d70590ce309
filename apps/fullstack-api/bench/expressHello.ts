// Baseline: the framework's ceiling, an Express 5 route answering fixed JSON and nothing else.
import express from 'express';

const app = express();
app.get('/hello', (_req, res) => {
  res.json({ hello: 'world' });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
