use isobench_faaslet::{Call, Runtime, RuntimeConfig};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Instant;

struct Counting;
thread_local!(static COUNT: Cell<u64> = const { Cell::new(0) });
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        COUNT.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        COUNT.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(p, l, n) }
    }
}
#[global_allocator]
static A: Counting = Counting;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let runtime = Runtime::new(RuntimeConfig { max_instances: 4, ..Default::default() })?;
    let (noop, _) = runtime.load_command("target/guests/wasm/noop.wasm".as_ref())?;
    let call = Call::default();
    let n = 3000;
    let (mut bare, mut faas, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let t = Instant::now();
        std::thread::spawn(|| std::hint::black_box(0)).join().unwrap();
        bare.push(t.elapsed().as_nanos() as f64);
        let t = Instant::now();
        let c = std::thread::scope(|s| s.spawn(|| { noop.run(&call).unwrap(); COUNT.with(|c| c.get()) }).join().unwrap());
        faas.push(t.elapsed().as_nanos() as f64);
        counts.push(c as f64);
    }
    let (b, f) = (median(bare), median(faas));
    println!("bare {:.1} us, faaslet {:.1} us, ratio {:.2}, allocations per faaslet {}", b / 1e3, f / 1e3, f / b, median(counts));
    Ok(())
}
