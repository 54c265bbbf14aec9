/** An address the console does not know. */
export function NotFoundPage() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no such page in the operator console. <a href="/console">Go to the tenants</a>.
      </p>
    </>
  );
}
