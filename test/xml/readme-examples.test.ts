// The README's XML interface section shows a complete request, answer and error: they must stay valid
// against the schemas and mean what the JSON API means, so the documentation cannot drift from the code.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { schemaErrors } from '../../adapters/xml-schemas.ts';
import { EvidenceRequestBody } from '../../broker/http/schemas.ts';
import { answerSchema, readEvidenceAnswer } from '../../broker/http/xml-api/answer-document.ts';
import { readEvidenceRequest, requestSchema } from '../../broker/http/xml-api/request-document.ts';
import { errorSchema, readXmlError } from './helpers.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## XML interface'), readme.indexOf('\n## ', readme.indexOf('## XML interface') + 1));
const [request, answer, error] = [...section.matchAll(/```xml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('the README’s XML interface examples', () => {
  it('show a request that is valid and means a valid JSON request', () => {
    expect(schemaErrors(request!, requestSchema)).to.deep.equal([]);
    const { header, body } = readEvidenceRequest(request!);
    expect(EvidenceRequestBody.safeParse(body).success).to.equal(true);
    expect(header.recipient).to.equal('evidence-broker');
  });

  it('show a valid answer in reply to that request', () => {
    expect(schemaErrors(answer!, answerSchema)).to.deep.equal([]);
    const read = readEvidenceAnswer(answer!);
    expect(read.header.inReplyTo).to.equal(readEvidenceRequest(request!).header.messageId);
    expect(read.answer.evidence.map((e) => e.status)).to.deep.equal(['delivered', 'delivered', 'delivered']);
  });

  it('show a valid error document', () => {
    expect(schemaErrors(error!, errorSchema)).to.deep.equal([]);
    expect(readXmlError(error!)).to.include({ code: 'invalid-request', status: 400 });
  });
});
