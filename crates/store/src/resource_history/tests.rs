use super::*;

const DAY: i64 = 24 * 3600;
/// A Monday at midnight (UTC): buckets of every tier start on it.
const START: i64 = 1_767_571_200;

fn app(name: &str) -> Subject {
    Subject::App(crate::app(name))
}

fn reading(cpu: f64, memory: u64, net_rx: u64) -> Reading {
    Reading {
        cpu_percent: Some(cpu),
        memory: Some(memory),
        memory_limit: Some(1 << 30),
        net_rx,
        ..Reading::default()
    }
}

#[test]
fn a_month_of_readings_stays_within_the_tiers_and_the_cap() {
    // In memory: the same SQL as on disk, a month of writes in a minute of test time.
    let store = Store::in_memory().unwrap();
    let subjects = [Subject::Host, app("blog"), app("shop")];
    // Each tier's span, and the readings of the minute not yet turned (pruned at its turn).
    let per_subject: usize = TIERS
        .iter()
        .map(|t| (t.keep / t.secs) as usize + 1)
        .sum::<usize>()
        + 5;
    let mut most = 0;
    let mut at = START;
    while at < START + 31 * DAY {
        let readings: Vec<_> = subjects
            .iter()
            .map(|s| (s.clone(), reading((at % 100) as f64, 1 << 20, 10)))
            .collect();
        store.record_readings(at, &readings).unwrap();
        if at % 3600 == 0 {
            most = most.max(store.resource_sample_count().unwrap());
        }
        at += 10;
    }
    let rows = store.resource_sample_count().unwrap();
    assert!(rows <= per_subject * subjects.len(), "{rows} rows");
    assert!(most <= per_subject * subjects.len(), "{most} rows at most");
    assert!(rows <= MAX_RESOURCE_SAMPLES);
    // Every tier is there, each as long as it keeps.
    let now = at - 10;
    for tier in TIERS {
        let history = store
            .resource_history(&app("blog"), now, tier.keep)
            .unwrap();
        assert_eq!(history.tier, tier);
        let span = history.samples.last().unwrap().at - history.samples[0].at;
        assert!(
            span >= tier.keep - 2 * tier.secs && span <= tier.keep,
            "tier of {} s spans {span} s",
            tier.secs
        );
    }
    // A day's worth of readings rolled into one hour's row a bucket.
    let hours = store.resource_history(&app("shop"), now, 7 * DAY).unwrap();
    let hour = &hours.samples[10];
    assert_eq!(hour.samples, 360);
    assert_eq!(hour.reading.net_rx, 3600);
    assert_eq!(hour.reading.memory, Some(1 << 20));
}

#[test]
fn the_cap_drops_the_oldest_rows() {
    let store = Store::in_memory().unwrap();
    let cap = 500;
    let mut at = START;
    while at < START + 2 * DAY {
        store
            .record_readings_capped(at, &[(app("blog"), reading(1.0, 1, 1))], cap)
            .unwrap();
        assert!(store.resource_sample_count().unwrap() <= cap);
        at += 10;
    }
    // The newest readings are kept: the last hour at full detail.
    let recent = store.resource_history(&app("blog"), at, 3600).unwrap();
    assert_eq!(recent.samples.len(), 360);
}

#[test]
fn roll_ups_average_weighted_and_keep_the_maxima() {
    let store = Store::in_memory().unwrap();
    let blog = app("blog");
    // Two minutes: CPU alternates 10 and 30 %, memory climbs 1..=12 MiB, 100 bytes each.
    for i in 0..12u64 {
        let cpu = if i % 2 == 0 { 10.0 } else { 30.0 };
        let mut r = reading(cpu, (i + 1) << 20, 100);
        r.restarts = i / 6;
        r.oom_killed = u64::from(i == 3);
        store
            .record_readings(START + 10 * i as i64, &[(blog.clone(), r)])
            .unwrap();
    }
    // No minute is closed before a reading after it.
    let minutes = store
        .resource_history(&blog, START + 120, 2 * 3600)
        .unwrap();
    assert_eq!(minutes.tier.secs, 60);
    assert_eq!(minutes.samples.len(), 1, "{minutes:?}");
    store
        .record_readings(START + 120, &[(blog.clone(), reading(0.0, 1 << 20, 0))])
        .unwrap();
    let minutes = store
        .resource_history(&blog, START + 120, 2 * 3600)
        .unwrap();
    let [first, second] = &minutes.samples[..] else {
        panic!("{minutes:?}")
    };
    assert_eq!((first.at, second.at), (START, START + 60));
    assert_eq!(first.samples, 6);
    assert_eq!(first.reading.cpu_percent, Some(20.0));
    assert_eq!(first.cpu_percent_max, Some(30.0));
    assert_eq!(first.reading.memory, Some((21 << 20) / 6));
    assert_eq!(first.memory_max, Some(6 << 20));
    assert_eq!(first.reading.net_rx, 600);
    assert_eq!((first.reading.restarts, first.reading.oom_killed), (0, 1));
    assert_eq!((second.reading.restarts, second.reading.oom_killed), (1, 0));
    assert_eq!(second.memory_max, Some(12 << 20));
    // The traffic figures are the proxy's: none were given, none are made up.
    assert_eq!(first.reading.traffic, None);

    // The hour closes: its row weighs each minute by its readings.
    store
        .record_readings(START + 3600, &[(blog.clone(), reading(0.0, 1 << 20, 0))])
        .unwrap();
    let hours = store
        .resource_history(&blog, START + 3600, 7 * DAY)
        .unwrap();
    let hour = &hours.samples[0];
    assert_eq!(hour.samples, 13);
    assert_eq!(hour.reading.cpu_percent, Some(240.0 / 13.0));
    assert_eq!(hour.cpu_percent_max, Some(30.0));
    assert_eq!(hour.memory_max, Some(12 << 20));
    assert_eq!(hour.reading.net_rx, 1200);
}

#[test]
fn subjects_keep_their_own_history() {
    let store = Store::in_memory().unwrap();
    let host = Reading {
        load: Some(0.5),
        data_free: Some(7),
        ..Reading::default()
    };
    store
        .record_readings(
            START,
            &[(Subject::Host, host), (app("blog"), reading(1.0, 5, 0))],
        )
        .unwrap();
    let history = store.resource_history(&Subject::Host, START, 3600).unwrap();
    assert_eq!(history.samples.len(), 1);
    assert_eq!(history.samples[0].reading.load, Some(0.5));
    assert_eq!(history.samples[0].reading.data_free, Some(7));
    let shop = store.resource_history(&app("shop"), START, 3600).unwrap();
    assert!(shop.samples.is_empty());
}

#[test]
fn an_apps_traffic_is_summed_over_a_bucket_with_its_latency() {
    let store = Store::in_memory().unwrap();
    let blog = app("blog");
    let traffic = |requests, p99| TrafficReading {
        requests,
        requests_5xx: requests / 10,
        latency_p50_ms: Some(p99 / 4.0),
        latency_p99_ms: Some(p99),
    };
    for (i, (requests, p99)) in [(10, 8.0), (30, 16.0), (0, 0.0)].into_iter().enumerate() {
        let mut r = reading(1.0, 1 << 20, 0);
        r.traffic = (requests > 0).then(|| traffic(requests, p99));
        store
            .record_readings(START + 10 * i as i64, &[(blog.clone(), r)])
            .unwrap();
    }
    let seconds = store.resource_history(&blog, START + 30, 3600).unwrap();
    let read: Vec<_> = seconds.samples.iter().map(|s| s.reading.traffic).collect();
    assert_eq!(
        read,
        [Some(traffic(10, 8.0)), Some(traffic(30, 16.0)), None]
    );

    store
        .record_readings(START + 60, &[(blog.clone(), reading(1.0, 1 << 20, 0))])
        .unwrap();
    let minutes = store.resource_history(&blog, START + 60, 2 * 3600).unwrap();
    let minute = minutes.samples[0].reading.traffic.unwrap();
    assert_eq!((minute.requests, minute.requests_5xx), (40, 4));
    // The median averaged over the readings that had requests; p99 the worst of them.
    assert_eq!(minute.latency_p50_ms, Some(3.0));
    assert_eq!(minute.latency_p99_ms, Some(16.0));
}
