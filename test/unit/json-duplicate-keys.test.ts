import { expect } from 'chai';
import { firstDuplicateKey } from '../../broker/http/json-duplicate-keys.ts';

describe('firstDuplicateKey', () => {
  it('finds a key repeated in one object, at any depth, also when written with escapes', () => {
    expect(firstDuplicateKey('{"a":1,"a":2}')).to.equal('a');
    expect(firstDuplicateKey('{"c":{"idNr":"1","idNr":"2"}}')).to.equal('idNr');
    expect(firstDuplicateKey('[{"x":[1,{"y":1,"y":2}]}]')).to.equal('y');
    expect(firstDuplicateKey('{"a":1,"\\u0061":2}')).to.equal('a');
  });

  it('accepts equal keys in different objects, keys as values, and strings holding quotes and braces', () => {
    expect(firstDuplicateKey('{"a":{"a":1},"b":[{"a":2},{"a":3}]}')).to.equal(null);
    expect(firstDuplicateKey('{"a":"a","b":"a"}')).to.equal(null);
    expect(firstDuplicateKey('{"a":"x\\"}{,\\"a\\":","b":1}')).to.equal(null);
    expect(firstDuplicateKey('["a","a"]')).to.equal(null);
  });

  it('leaves text that is not JSON to the parser', () => {
    expect(firstDuplicateKey('{"a":1,"a')).to.equal(null);
    expect(firstDuplicateKey('')).to.equal(null);
  });
});
