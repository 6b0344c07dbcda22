import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { ImportListRef } from '../../../domain/contacts/import-service.js';
import { parseMapArgs } from '../../../domain/contacts/csv-source.js';
import { errors } from '../../../shared/errors.js';
import type { Services } from '../../../services.js';
import { ImportRejects } from '../../../contract/contact-list.js';
import { withErrors } from '../../../contract/envelope.js';
import type { TypedApp } from '../kore/kore-router.js';

const TAG = 'Admin: imports';
const security = [{ adminToken: [] }];
const ImportEnvelope = Type.Ref('ImportJob');

const UploadQuery = Type.Object({
  accountId: Type.String(),
  iid: Type.String(),
  list: Type.Optional(Type.String({ description: 'list name (POST /imports only)' })),
  fileName: Type.Optional(Type.String({ description: "shown in the list's `files`; default upload.csv" })),
  map: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], {
      description: '<column>=<field>, repeatable, as the CLI --map',
    }),
  ),
});

/**
 * Import jobs over the admin API. A CSV upload is streamed: the text/csv parser hands the raw
 * request stream to the import (no parseAs, so Fastify never buffers it and bodyLimit does not
 * apply), rows are written in batches as they arrive, and the answer is the finished job.
 */
export function importAdminRoutes(services: Services): (app: TypedApp) => void {
  return (app) => {
    app.addContentTypeParser(['text/csv', 'application/csv'], (_req, payload, done) => done(null, payload));

    const upload = (
      q: typeof UploadQuery.static,
      list: ImportListRef,
      body: unknown,
      contentLength: string | undefined,
    ) => {
      if (!body || typeof (body as Readable).pipe !== 'function')
        throw errors.unsupportedMediaType('(none): send the file as text/csv');
      const mapping = parseMapArgs(q.map === undefined ? [] : Array.isArray(q.map) ? q.map : [q.map]);
      const sizeBytes = contentLength !== undefined && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined;
      const input = { csv: body as Readable, fileName: q.fileName ?? 'upload.csv', mapping, sizeBytes };
      return services.imports.submit({ tenant: { accountId: q.accountId, botId: q.iid }, list, input });
    };

    app.post(
      '/contact-lists/:listId/imports',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Import a CSV file (Content-Type: text/csv) into a contact list; answers the finished job',
          params: Type.Object({ listId: Type.String() }),
          querystring: UploadQuery,
          response: withErrors({ 201: ImportEnvelope }),
        },
      },
      async (req, reply) => {
        const job = await upload(req.query, { id: req.params.listId }, req.body, req.headers['content-length']);
        reply.code(201);
        return job;
      },
    );
    app.post(
      '/imports',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Import a CSV file into the list named by `list`',
          querystring: UploadQuery,
          response: withErrors({ 201: ImportEnvelope }),
        },
      },
      async (req, reply) => {
        if (!req.query.list) throw errors.validation('list', 'list: is required (the contact list name)');
        const job = await upload(req.query, { name: req.query.list }, req.body, req.headers['content-length']);
        reply.code(201);
        return job;
      },
    );
    app.get(
      '/imports/:id',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'An import job: status (queued, running, completed, failed) and counts',
          params: Type.Object({ id: Type.String() }),
          response: withErrors({ 200: ImportEnvelope }),
        },
      },
      async (req) => services.imports.get(req.params.id),
    );
    app.get(
      '/imports/:id/rejects',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Rejected rows of an import (row number, column, reason), by row number',
          params: Type.Object({ id: Type.String() }),
          // A query string carries text, and schemas do not coerce: the numbers are checked as digits.
          querystring: Type.Object({
            skip: Type.Optional(Type.String({ pattern: '^\\d{1,9}$', description: 'rows to skip, default 0' })),
            limit: Type.Optional(
              Type.String({ pattern: '^([1-9]\\d{0,2}|1000)$', description: '1-1000, default 100' }),
            ),
          }),
          response: withErrors({ 200: ImportRejects }),
        },
      },
      async (req) =>
        services.imports.rejects(req.params.id, Number(req.query.skip ?? 0), Number(req.query.limit ?? 100)),
    );
  };
}
