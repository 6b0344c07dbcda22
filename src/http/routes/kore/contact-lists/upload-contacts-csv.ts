import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountQuery } from '../../../../contract/common.js';
import { ContactListIdParams } from '../../../../contract/contact-list.js';
import { withErrors } from '../../../../contract/envelope.js';
import { parseMapArgs } from '../../../../domain/contacts/csv-source.js';
import { AppError } from '../../../../shared/errors.js';
import { IDEMPOTENT } from '../../../plugins/idempotency.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext, type TypedApp } from '../kore-router.js';

const CSV_TYPES = ['text/csv', 'application/csv'];

const UploadQuery = Type.Object({
  ...AccountQuery,
  fileName: Type.Optional(Type.String({ description: "shown in the list's `files`; default upload.csv" })),
  map: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], {
      description: '<column>=<field>, repeatable, as the CLI --map (e.g. Mobile=phoneNumber, Notes=extra:notes)',
    }),
  ),
});

const notCsv = (type: string | undefined) =>
  new AppError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `Content-Type ${type ?? '(none)'} is not supported; send the file as text/csv`,
  );

/**
 * The streamed upload, kept aside while `Idempotency-Key` is checked: the key's request fingerprint is
 * taken from `req.body`, and a stream is not a value to compare (nor may it be read first: the upload is
 * never buffered). With a key, the fingerprint's body is the upload's declared type and length.
 */
const uploads = new WeakMap<FastifyRequest, Readable>();

function setAsideUpload(req: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  const body = req.body as Readable | undefined;
  if (body && typeof body.pipe === 'function') {
    uploads.set(req, body);
    req.body = {
      upload: {
        contentType: req.headers['content-type'] ?? null,
        contentLength: req.headers['content-length'] ?? null,
      },
    };
  }
  done();
}

/**
 * campaignd extension: a CSV file (`text/csv`) into a contact list, as the admin API's
 * `POST /admin/v1/contact-lists/{listId}/imports` does it for the operator — streamed (never buffered;
 * bodyLimit does not apply), written in batches as rows arrive, answered 201 with the finished job
 * (docs/imports.md). Same path as the GET export: the method tells them apart.
 */
export function uploadContactsCsvRoute({ app, services, hide }: KoreRouteContext): void {
  // In a child scope: the raw-stream parser is for this route only, so every other Kore route still
  // answers a text/csv body with 415.
  void app.register(async (child) => {
    const scoped = child as unknown as TypedApp;
    scoped.addContentTypeParser(CSV_TYPES, (_req, payload, done) => done(null, payload));
    scoped.post(
      '/campaign/contactList/:contactListId/contacts.csv',
      {
        config: IDEMPOTENT,
        preHandler: setAsideUpload,
        schema: {
          hide,
          tags: [KORE_TAG],
          summary: 'Import a CSV file into a contact list (campaignd extension)',
          description:
            "Body: the file as `text/csv` (UTF-8, a header row), streamed. Known columns are phoneNumber, firstName, lastName, timeZone, uniqueId, contactPriority; others are kept as given; `map` renames a column. Numbers without `+` are read with the bot's default country. Answers 201 with the finished import job (its counts); rejected rows are at GET …/campaign/imports/{importId}/rejects. A file whose header has no phone number column is 400 and adds nothing. With `Idempotency-Key`, the body is compared by its type and length only (it is streamed, not kept).",
          security: koreSecurity,
          consumes: CSV_TYPES,
          params: ContactListIdParams,
          querystring: UploadQuery,
          response: withErrors({ 201: Type.Ref('ImportJob') }),
        },
      },
      async (req, reply) => {
        const csv = uploads.get(req);
        if (!csv) throw notCsv(req.headers['content-type']);
        const q = req.query;
        const mapping = parseMapArgs(q.map === undefined ? [] : Array.isArray(q.map) ? q.map : [q.map]);
        const length = req.headers['content-length'];
        const sizeBytes = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
        const job = await services.imports.submit({
          tenant: req.tenant,
          list: { id: req.params.contactListId },
          input: { csv, fileName: q.fileName ?? 'upload.csv', mapping, sizeBytes },
        });
        return reply.code(201).send(job);
      },
    );
  });
}
