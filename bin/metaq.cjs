#!/usr/bin/env node
'use strict';
// `metaq`. libuv sizes its thread pool when it is first used, which is before any ES module
// runs, so it is set here: the broker's fsyncs run there (group commit over many partitions,
// one fsync per partition), and libuv's default of 4 threads held them back. Set
// UV_THREADPOOL_SIZE yourself to choose another size.
if (process.env.UV_THREADPOOL_SIZE === undefined) process.env.UV_THREADPOOL_SIZE = '16';
import('../dist/src/cli/main.js');
