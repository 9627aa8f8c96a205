// The form and content building blocks every page uses, after the GOV.UK Design System patterns: each
// field has a visible label, an optional hint and an error message, both tied to the field with
// aria-describedby; a failed form starts with an error summary that links to each field.
import { html, type HtmlValue, type SafeHtml } from './html.ts';

/** Messages per field name; the first message of a field wins. */
export type FieldErrors = Map<string, string>;

/** The error messages in the order the fields appear on the page. */
export function orderedErrors(errors: FieldErrors, fieldOrder: readonly string[]): [string, string][] {
  const known = fieldOrder.filter((f) => errors.has(f)).map((f): [string, string] => [f, errors.get(f)!]);
  const rest = [...errors].filter(([f]) => !fieldOrder.includes(f));
  return [...known, ...rest];
}

/**
 * The error summary at the top of a failed form. It takes focus on load (autofocus, no script needed),
 * so screen readers announce it and keyboard users start right there.
 */
export function errorSummary(errors: FieldErrors, fieldOrder: readonly string[]): SafeHtml | null {
  if (errors.size === 0) return null;
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
  <h2 class="error-summary__title" id="error-summary-title">Bitte prüfen Sie Ihre Angaben</h2>
  <ul class="error-summary__list">
    ${orderedErrors(errors, fieldOrder).map(([field, message]) => html`<li><a href="#${field}">${message}</a></li>`)}
  </ul>
</div>`;
}

interface FieldBase {
  name: string;
  label: string;
  hint?: HtmlValue;
  error?: string | undefined;
}

function describedBy(f: FieldBase): string | null {
  const ids = [f.hint ? `${f.name}-hint` : null, f.error ? `${f.name}-error` : null].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : null;
}

function hintAndError(f: FieldBase): SafeHtml {
  return html`${f.hint ? html`<div class="hint" id="${f.name}-hint">${f.hint}</div>` : null}${
    f.error ? html`<p class="error-message" id="${f.name}-error"><span class="visually-hidden">Fehler:</span> ${f.error}</p>` : null
  }`;
}

function groupClass(f: FieldBase): string {
  return f.error ? 'form-group form-group--error' : 'form-group';
}

/** A single-line input. */
export function textInput(
  f: FieldBase & {
    value?: string | undefined;
    type?: 'text' | 'password' | 'date' | 'month';
    autocomplete?: string;
    inputmode?: 'numeric' | 'text';
    width?: 'narrow' | 'medium' | 'wide';
    spellcheck?: boolean;
    maxlength?: number;
    /** The id of a <datalist> whose options the browser suggests (any other text stays allowed). */
    list?: string;
  },
): SafeHtml {
  const by = describedBy(f);
  return html`<div class="${groupClass(f)}">
  <label class="label" for="${f.name}">${f.label}</label>
  ${hintAndError(f)}
  <input class="input input--${f.width ?? 'wide'}${f.error ? ' input--error' : ''}" id="${f.name}" name="${f.name}" type="${f.type ?? 'text'}"
    value="${f.value ?? ''}"${by ? html` aria-describedby="${by}"` : null}${f.error ? html` aria-invalid="true"` : null}${
      f.autocomplete ? html` autocomplete="${f.autocomplete}"` : null
    }${f.inputmode ? html` inputmode="${f.inputmode}"` : null}${f.spellcheck === false ? html` spellcheck="false"` : null}${
      f.maxlength ? html` maxlength="${f.maxlength}"` : null
    }${f.list ? html` list="${f.list}"` : null}>
</div>`;
}

/** One choice of a checkbox or radio group. */
export interface Choice {
  value: string;
  label: string;
  hint?: string;
  /** Fields that belong to this choice, shown right below it. */
  detail?: SafeHtml;
}

function choiceGroup(kind: 'checkbox' | 'radio', f: FieldBase & { items: readonly Choice[]; selected: readonly string[] }): SafeHtml {
  const by = describedBy(f);
  return html`<div class="${groupClass(f)}">
  <fieldset class="fieldset"${by ? html` aria-describedby="${by}"` : null}>
    <legend class="legend">${f.label}</legend>
    ${hintAndError(f)}
    <div class="choices">
      ${f.items.map((item, i) => {
        const id = i === 0 ? f.name : `${f.name}-${item.value}`;
        return html`<div class="choice">
        <input class="choice__input" id="${id}" name="${f.name}" type="${kind}" value="${item.value}"${
          f.selected.includes(item.value) ? html` checked` : null
        }${item.hint ? html` aria-describedby="${id}-item-hint"` : null}>
        <label class="choice__label" for="${id}">${item.label}</label>
        ${item.hint ? html`<div class="hint choice__hint" id="${id}-item-hint">${item.hint}</div>` : null}
        ${item.detail ? html`<div class="choice__detail">${item.detail}</div>` : null}
      </div>`;
      })}
    </div>
  </fieldset>
</div>`;
}

export function checkboxes(f: FieldBase & { items: readonly Choice[]; selected: readonly string[] }): SafeHtml {
  return choiceGroup('checkbox', f);
}

export function radios(f: FieldBase & { items: readonly Choice[]; selected: string | undefined }): SafeHtml {
  return choiceGroup('radio', { ...f, selected: f.selected === undefined ? [] : [f.selected] });
}

/** A drop-down list. */
export function select(f: FieldBase & { options: readonly { value: string; label: string }[]; selected: string | undefined }): SafeHtml {
  const by = describedBy(f);
  return html`<div class="${groupClass(f)}">
  <label class="label" for="${f.name}">${f.label}</label>
  ${hintAndError(f)}
  <select class="select${f.error ? ' input--error' : ''}" id="${f.name}" name="${f.name}"${by ? html` aria-describedby="${by}"` : null}${
    f.error ? html` aria-invalid="true"` : null
  }>
    ${f.options.map((o) => html`<option value="${o.value}"${o.value === f.selected ? html` selected` : null}>${o.label}</option>`)}
  </select>
</div>`;
}

/** The synchronizer token every form carries (see sessions/web-sessions.ts). */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export function button(label: string, opts: { variant?: 'primary' | 'secondary' | 'warning'; name?: string; value?: string } = {}): SafeHtml {
  return html`<button type="submit" class="button button--${opts.variant ?? 'primary'}"${opts.name ? html` name="${opts.name}" value="${opts.value ?? ''}"` : null}>${label}</button>`;
}

/** A key-value list (a "summary list"). */
export function summaryList(rows: readonly { key: string; value: HtmlValue }[], className = ''): SafeHtml {
  return html`<dl class="summary-list ${className}">
  ${rows.map((r) => html`<div class="summary-list__row"><dt>${r.key}</dt><dd>${r.value}</dd></div>`)}
</dl>`;
}

/** A banner that confirms something just happened (after a redirect). */
export function notification(title: string, body: HtmlValue): SafeHtml {
  return html`<div class="notification" role="status" aria-labelledby="notification-title">
  <h2 class="notification__title" id="notification-title">${title}</h2>
  <div class="notification__body">${body}</div>
</div>`;
}

/** A labelled status tag; the text carries the meaning, the colour only repeats it. */
export function tag(text: string, tone: 'green' | 'grey' | 'red' | 'yellow' | 'blue'): SafeHtml {
  return html`<strong class="tag tag--${tone}">${text}</strong>`;
}
