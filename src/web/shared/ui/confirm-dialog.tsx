import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Confirmation for a destructive action. With `typed`, the reader must type that text (a
 * tenant's slug, say) before the button works, as the API itself asks for purges.
 */
export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  typed,
  open,
  onConfirm,
  onCancel,
}: {
  title: string;
  message: string;
  confirmLabel: string;
  typed?: string;
  open: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState('');
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      setText('');
      element.showModal();
    } else if (!open && element.open) {
      element.close();
    }
  }, [open]);
  const ready = typed === undefined || text === typed;
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby="confirm-title" onCancel={onCancel}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (ready) onConfirm();
        }}
      >
        <h2 id="confirm-title">{title}</h2>
        <p>{message}</p>
        {typed !== undefined && (
          <div class="field">
            <label for="confirm-typed">
              Type <code>{typed}</code> to confirm
            </label>
            <input
              id="confirm-typed"
              autocomplete="off"
              value={text}
              onInput={(event) => setText(event.currentTarget.value)}
            />
          </div>
        )}
        <div class="actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={!ready}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
