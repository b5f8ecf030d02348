/* demo.h - synfin --demo: the tutorial's experiment (serve, fetch, capture on lo) run on this machine. */
#ifndef SYNFIN_CLI_DEMO_H
#define SYNFIN_CLI_DEMO_H

/* Serves a ~20 KB page on 127.0.0.1 from a thread, captures on lo, fetches
 * it with a client whose MSS is 1460, then shows the capture with synfin
 * itself.  Without capture permission, says why in one line and shows the
 * bundled captures/http-get-segmented.pcap instead.  `color` is the
 * --color value to pass on ("auto", "always", "never").  Returns the exit
 * status. */
int sf_demo_main(const char *color);

#endif
