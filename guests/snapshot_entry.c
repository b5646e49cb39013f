/*
 * Entry points linked into the reactor build of every guest, for snapshots
 * (`faaslet-restore`). Wizer runs `wizer-initialize` once and saves the
 * initialised memory; each restored instance then runs `isobench-run`, which
 * calls the guest's main. A guest with real one-time set-up defines
 * `isobench_init`; the others have nothing to do beyond the C constructors.
 */
void isobench_init(void) __attribute__((weak));
int __main_void(void);

__attribute__((export_name("wizer-initialize"))) void isobench_wizer_initialize(void) {
    if (isobench_init) isobench_init();
}

__attribute__((export_name("isobench-run"))) int isobench_run(void) { return __main_void(); }
