/** A workspace address that names no page. */
export function NotFoundPage() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <a href="/app">Back to the overview</a>
      </p>
    </>
  );
}
