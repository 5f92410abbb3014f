//! Tests of the coordinate systems against PROJ (reference points from
//! `scripts/crs_reference.py`, pyproj 3.7.2 / PROJ 9.5.1), WKT fixtures from the real
//! Helsinki originals and pyproj, and the EPSG tables.

use super::tm::{TmParams, TransverseMercator};
use super::*;

/// `(system, [lon, lat], [x, y])` from `python3 scripts/crs_reference.py` (PROJ, no datum
/// shift). "KRASS", "INTL" and "IAG75" are the script's PROJ strings on other ellipsoids.
const PROJ_REFERENCE: &[(&str, [f64; 2], [f64; 2])] = &[
    (
        "EPSG:3879",
        [25.294964068, 60.780288774],
        [25516069.8398, 6741047.8245],
    ),
    (
        "EPSG:3879",
        [25.708464557, 61.261880681],
        [25538016.7198, 6794881.3406],
    ),
    (
        "EPSG:3879",
        [25.575756579, 61.213579992],
        [25530943.0708, 6789429.2146],
    ),
    (
        "EPSG:3879",
        [23.869612548, 60.117494371],
        [25437150.2228, 6667700.8332],
    ),
    (
        "EPSG:3879",
        [26.064056121, 60.557538928],
        [25558370.7322, 6716664.1674],
    ),
    (
        "EPSG:3879",
        [25.962161180, 59.271694315],
        [25554862.9929, 6573331.1382],
    ),
    (
        "EPSG:3067",
        [26.628828573, 60.958873991],
        [479899.0084, 6758263.4854],
    ),
    (
        "EPSG:3067",
        [27.525130311, 64.887294255],
        [524867.4576, 7195997.0331],
    ),
    (
        "EPSG:3067",
        [21.157370275, 60.600757606],
        [180325.9314, 6732537.6298],
    ),
    (
        "EPSG:3067",
        [24.353788392, 68.996144462],
        [394176.2388, 7656214.1104],
    ),
    (
        "EPSG:3067",
        [30.188705420, 59.915250548],
        [678267.5160, 6646266.8963],
    ),
    (
        "EPSG:3067",
        [30.565763897, 59.665209021],
        [700832.5855, 6619523.6076],
    ),
    (
        "EPSG:3873",
        [19.281886049, 59.404078158],
        [19516011.2247, 6587716.7363],
    ),
    (
        "EPSG:3873",
        [17.804259669, 61.191371387],
        [19435693.6026, 6787406.2010],
    ),
    (
        "EPSG:3873",
        [18.302695318, 59.617154806],
        [19460642.1962, 6611627.0191],
    ),
    (
        "EPSG:3873",
        [20.157810661, 61.193778637],
        [19562261.9574, 6787637.7044],
    ),
    (
        "EPSG:3873",
        [18.494332403, 61.407547173],
        [19472991.0307, 6811012.1952],
    ),
    (
        "EPSG:3873",
        [19.094136325, 60.726793145],
        [19505137.1657, 6735054.6543],
    ),
    (
        "EPSG:3885",
        [30.291470835, 63.058342403],
        [31464169.0348, 6995085.0414],
    ),
    (
        "EPSG:3885",
        [31.457540659, 63.119754350],
        [31523089.7070, 7001814.9330],
    ),
    (
        "EPSG:3885",
        [31.944980026, 61.517093355],
        [31550295.9797, 6823479.5915],
    ),
    (
        "EPSG:3885",
        [30.666855843, 61.198294537],
        [31482086.9399, 6787635.2931],
    ),
    (
        "EPSG:3885",
        [30.149684583, 60.956335312],
        [31453929.3294, 6760926.9275],
    ),
    (
        "EPSG:3885",
        [30.523261842, 62.247463994],
        [31475222.7675, 6904601.4087],
    ),
    (
        "EPSG:4547",
        [112.609472734, 31.098215899],
        [367328.9028, 3442695.1845],
    ),
    (
        "EPSG:4547",
        [113.546111213, 30.067882208],
        [456235.5659, 3327725.1981],
    ),
    (
        "EPSG:4547",
        [114.891850609, 30.546086523],
        [585577.9937, 3380989.4653],
    ),
    (
        "EPSG:4547",
        [113.484220696, 30.547411481],
        [450509.4459, 3380911.0511],
    ),
    (
        "EPSG:4547",
        [114.573073576, 29.359602603],
        [555645.7820, 3249263.6660],
    ),
    (
        "EPSG:4547",
        [115.330278777, 29.264023577],
        [629296.2542, 3239266.9721],
    ),
    (
        "EPSG:4491",
        [76.398852125, 40.931332981],
        [13617816.4236, 4533889.9518],
    ),
    (
        "EPSG:4491",
        [72.301178198, 40.611334502],
        [13271592.4932, 4500914.8996],
    ),
    (
        "EPSG:4491",
        [74.250633065, 39.439705443],
        [13435488.3740, 4367587.9515],
    ),
    (
        "EPSG:4491",
        [72.250838966, 36.461671865],
        [13253550.2914, 4040286.6061],
    ),
    (
        "EPSG:4491",
        [73.213149133, 41.549007438],
        [13350914.3785, 4603087.7927],
    ),
    (
        "EPSG:4491",
        [73.300521355, 40.432123910],
        [13355790.5003, 4478898.8364],
    ),
    (
        "EPSG:4501",
        [137.406069790, 49.475445445],
        [23674366.6712, 5485287.6925],
    ),
    (
        "EPSG:4501",
        [134.128538153, 46.186841948],
        [23432721.3761, 5117223.2174],
    ),
    (
        "EPSG:4501",
        [135.138330196, 48.543376882],
        [23510214.0705, 5378857.9569],
    ),
    (
        "EPSG:4501",
        [132.805096067, 48.391029116],
        [23337450.7834, 5364236.2137],
    ),
    (
        "EPSG:4501",
        [136.664469395, 49.014288187],
        [23621754.9959, 5432551.8035],
    ),
    (
        "EPSG:4501",
        [132.405136848, 49.496481036],
        [23312033.5610, 5488080.9889],
    ),
    (
        "EPSG:4502",
        [72.710607239, 38.108146999],
        [299199.8002, 4221978.6400],
    ),
    (
        "EPSG:4502",
        [75.620634213, 41.341288239],
        [551947.0303, 4578661.6564],
    ),
    (
        "EPSG:4502",
        [74.103773349, 41.375506669],
        [425024.9835, 4582663.7490],
    ),
    (
        "EPSG:4502",
        [75.252806608, 37.949722068],
        [522219.7955, 4201947.5158],
    ),
    (
        "EPSG:4502",
        [73.974079920, 37.193875543],
        [408912.1924, 4118520.1859],
    ),
    (
        "EPSG:4502",
        [72.637898900, 37.033661050],
        [289821.6574, 4102856.8247],
    ),
    (
        "EPSG:4512",
        [136.059377689, 49.781670161],
        [576295.5716, 5517101.4948],
    ),
    (
        "EPSG:4512",
        [133.104565001, 44.471892116],
        [349183.9296, 4928005.4858],
    ),
    (
        "EPSG:4512",
        [137.725515009, 47.187772152],
        [706558.5530, 5231727.4945],
    ),
    (
        "EPSG:4512",
        [134.472972919, 45.529084982],
        [458829.8068, 5043880.3901],
    ),
    (
        "EPSG:4512",
        [135.526177236, 48.827254866],
        [538634.2326, 5410550.5154],
    ),
    (
        "EPSG:4512",
        [134.751724568, 46.561840779],
        [480963.3557, 5158568.3013],
    ),
    (
        "EPSG:4513",
        [73.755980247, 40.164994176],
        [25394023.0614, 4448591.4843],
    ),
    (
        "EPSG:4513",
        [73.691619416, 38.981979756],
        [25386628.8731, 4317317.8453],
    ),
    (
        "EPSG:4513",
        [75.947601987, 37.965601116],
        [25583270.0097, 4204103.5108],
    ),
    (
        "EPSG:4513",
        [75.648660385, 40.259435975],
        [25555181.6106, 4458537.9245],
    ),
    (
        "EPSG:4513",
        [75.365118022, 39.806426739],
        [25531266.7363, 4408099.8335],
    ),
    (
        "EPSG:4513",
        [73.898565707, 38.816754534],
        [25404339.8148, 4298737.6133],
    ),
    (
        "EPSG:4533",
        [134.017886965, 47.965254912],
        [45426660.6353, 5315031.1665],
    ),
    (
        "EPSG:4533",
        [134.425476193, 46.868833758],
        [45456197.2441, 5192825.5888],
    ),
    (
        "EPSG:4533",
        [136.398039855, 47.986307479],
        [45604355.7581, 5317851.1502],
    ),
    (
        "EPSG:4533",
        [136.332821195, 46.869911971],
        [45601614.2376, 5193647.7948],
    ),
    (
        "EPSG:4533",
        [134.966845196, 47.642614055],
        [45497508.7713, 5278691.5123],
    ),
    (
        "EPSG:4533",
        [134.941318860, 46.414863328],
        [45495488.4578, 5142201.8867],
    ),
    (
        "EPSG:4534",
        [74.730610363, 38.010217815],
        [476342.1072, 4208666.4104],
    ),
    (
        "EPSG:4534",
        [74.655602094, 40.367485561],
        [470748.7659, 4470390.8935],
    ),
    (
        "EPSG:4534",
        [76.287484474, 39.355501919],
        [610971.7425, 4358762.1243],
    ),
    (
        "EPSG:4534",
        [74.998102862, 38.547740529],
        [499834.6167, 4268298.1328],
    ),
    (
        "EPSG:4534",
        [73.849584766, 38.362468376],
        [399453.9961, 4248358.4967],
    ),
    (
        "EPSG:4534",
        [75.789653119, 40.028683059],
        [567403.6763, 4433012.6017],
    ),
    (
        "EPSG:4554",
        [134.611713452, 47.800863223],
        [470912.6652, 5296358.9144],
    ),
    (
        "EPSG:4554",
        [135.769714658, 47.544870898],
        [557943.4661, 5268110.8277],
    ),
    (
        "EPSG:4554",
        [135.459251646, 47.726988462],
        [534452.2103, 5288174.2489],
    ),
    (
        "EPSG:4554",
        [134.617608937, 47.572514807],
        [471229.0062, 5270968.0246],
    ),
    (
        "EPSG:4554",
        [134.386385756, 46.959918627],
        [453296.1267, 5202973.9325],
    ),
    (
        "EPSG:4554",
        [135.755292925, 47.534472278],
        [556869.0600, 5266944.0431],
    ),
    (
        "EPSG:4527",
        [116.422785728, 40.347533150],
        [39450960.1032, 4468278.3371],
    ),
    (
        "EPSG:4527",
        [117.419138018, 39.325850314],
        [39536141.3589, 4354763.2035],
    ),
    (
        "EPSG:4527",
        [115.632425840, 39.231574498],
        [39381916.8362, 4345104.2300],
    ),
    (
        "EPSG:4527",
        [116.301938406, 39.580600187],
        [39440026.4615, 4383195.6041],
    ),
    (
        "EPSG:4527",
        [116.896229169, 39.986703070],
        [39491136.8891, 4428057.7698],
    ),
    (
        "EPSG:4527",
        [117.412823444, 39.933352651],
        [39535286.8894, 4422210.5097],
    ),
    (
        "EPSG:32650",
        [116.117730147, 35.835565823],
        [420317.3711, 3966069.7451],
    ),
    (
        "EPSG:32650",
        [118.379398646, 36.903494276],
        [622891.7462, 4085055.1437],
    ),
    (
        "EPSG:32650",
        [116.130261878, 36.988701606],
        [422601.8455, 4093972.4597],
    ),
    (
        "EPSG:32650",
        [119.145485264, 36.092354350],
        [693155.7082, 3996322.9583],
    ),
    (
        "EPSG:32650",
        [119.761508692, 37.647795566],
        [743632.2154, 4170326.1333],
    ),
    (
        "EPSG:32650",
        [117.105208697, 35.170172468],
        [509580.5512, 3891919.8762],
    ),
    (
        "EPSG:32601",
        [-178.936198818, 51.952397632],
        [366944.0205, 5757514.5030],
    ),
    (
        "EPSG:32601",
        [-174.463186191, 49.867985811],
        [682293.3515, 5527039.3113],
    ),
    (
        "EPSG:32601",
        [-175.889731608, 51.274181560],
        [577445.9785, 5680901.0637],
    ),
    (
        "EPSG:32601",
        [-175.663950132, 48.096595177],
        [599476.1618, 5327899.7606],
    ),
    (
        "EPSG:32601",
        [-175.373844556, 50.468902741],
        [615401.4567, 5592030.8082],
    ),
    (
        "EPSG:32601",
        [-176.039773871, 49.540593777],
        [569469.6118, 5487996.7910],
    ),
    (
        "EPSG:32733",
        [15.717675142, -18.406712474],
        [575800.4948, 7964666.5133],
    ),
    (
        "EPSG:32733",
        [15.793826677, -18.721596047],
        [583690.2809, 7929790.7762],
    ),
    (
        "EPSG:32733",
        [12.260207691, -21.971866207],
        [217062.4031, 7567754.6612],
    ),
    (
        "EPSG:32733",
        [14.658196810, -19.129321032],
        [464052.9650, 7884828.2239],
    ),
    (
        "EPSG:32733",
        [13.370421353, -18.921448055],
        [328388.3066, 7907072.5920],
    ),
    (
        "EPSG:32733",
        [15.759017940, -22.657202109],
        [577981.9657, 7494228.0633],
    ),
    (
        "EPSG:32722",
        [-51.164804074, -31.587792945],
        [484364.1255, 6505241.0869],
    ),
    (
        "EPSG:32722",
        [-53.585970538, -32.125544068],
        [256038.4156, 6442719.6692],
    ),
    (
        "EPSG:32722",
        [-52.059365117, -31.847026163],
        [399768.9762, 6476031.1367],
    ),
    (
        "EPSG:32722",
        [-52.778511410, -32.693186207],
        [333274.9891, 6381327.6612],
    ),
    (
        "EPSG:32722",
        [-51.201085050, -30.694266668],
        [480742.2110, 6604262.9468],
    ),
    (
        "EPSG:32722",
        [-50.351595086, -29.477046467],
        [562863.1315, 6738984.8021],
    ),
    (
        "EPSG:25835",
        [25.479509176, 64.338457474],
        [426535.7720, 7135609.0015],
    ),
    (
        "EPSG:25835",
        [24.103831572, 61.451179341],
        [345620.6753, 6816471.8499],
    ),
    (
        "EPSG:25835",
        [25.715462811, 61.478245425],
        [431574.8171, 6816732.3698],
    ),
    (
        "EPSG:25835",
        [24.767431743, 63.921946347],
        [390512.7317, 7090232.7746],
    ),
    (
        "EPSG:25835",
        [26.268502004, 59.309160241],
        [458351.6419, 6574706.6416],
    ),
    (
        "EPSG:25835",
        [27.658671729, 59.649965651],
        [537126.1879, 6612613.8637],
    ),
    (
        "EPSG:3857",
        [113.617669053, 23.574932501],
        [12647861.0642, 2701696.6667],
    ),
    (
        "EPSG:3857",
        [116.471699055, 48.332020149],
        [12965570.2306, 6162269.9810],
    ),
    (
        "EPSG:3857",
        [135.481759983, 26.764077070],
        [15081760.5331, 3094027.0907],
    ),
    (
        "EPSG:3857",
        [135.039188006, 35.691861671],
        [15032493.6460, 4258304.4295],
    ),
    (
        "EPSG:3857",
        [99.555417578, 15.684499489],
        [11082458.3905, 1768214.6698],
    ),
    (
        "EPSG:3857",
        [117.675011386, 32.554365539],
        [13099522.3466, 3836301.7316],
    ),
    (
        "EPSG:2236",
        [-80.085574818, 27.935993837],
        [951423.7024, 1310537.9525],
    ),
    (
        "EPSG:2236",
        [-80.782780214, 26.702232164],
        [727083.1337, 860993.6050],
    ),
    (
        "EPSG:2236",
        [-80.213066002, 26.001894957],
        [914636.1986, 607157.4644],
    ),
    (
        "EPSG:2236",
        [-81.784163321, 27.131624027],
        [401120.9993, 1017814.0521],
    ),
    (
        "EPSG:2236",
        [-80.769663922, 26.281400969],
        [731639.5724, 708036.4572],
    ),
    (
        "EPSG:2236",
        [-80.741087409, 27.782563561],
        [739882.4145, 1253742.4748],
    ),
    (
        "KRASS",
        [116.379241520, 29.658418967],
        [239905.6633, 1976376.4690],
    ),
    (
        "KRASS",
        [115.631679322, 28.957472908],
        [166622.1011, 1899299.5033],
    ),
    (
        "KRASS",
        [119.362273138, 29.398902669],
        [529302.8313, 1949773.0536],
    ),
    (
        "KRASS",
        [119.305695484, 32.068736336],
        [517717.4303, 2245745.1187],
    ),
    (
        "KRASS",
        [117.479049891, 28.799123270],
        [346764.4636, 1881073.4558],
    ),
    (
        "KRASS",
        [119.404902812, 29.981527524],
        [532098.1466, 2014463.8548],
    ),
    (
        "INTL",
        [8.509851948, 46.951084781],
        [462700.4966, 5199944.8048],
    ),
    (
        "INTL",
        [11.808803776, 47.952177362],
        [709719.0358, 5314907.3247],
    ),
    (
        "INTL",
        [7.761110443, 47.866227059],
        [407342.0903, 5302278.3353],
    ),
    (
        "INTL",
        [6.806938872, 48.705782409],
        [338648.6950, 5397176.9868],
    ),
    (
        "INTL",
        [8.672112276, 46.799997975],
        [474978.1140, 5183090.4805],
    ),
    (
        "INTL",
        [10.633896522, 49.895470763],
        [617353.1787, 5528399.9765],
    ),
    (
        "IAG75",
        [109.636969231, 34.091181025],
        [374206.8929, 3774616.0643],
    ),
    (
        "IAG75",
        [110.366605335, 35.218708769],
        [442332.4089, 3899042.6629],
    ),
    (
        "IAG75",
        [111.789340267, 33.287848510],
        [573526.8894, 3684952.1686],
    ),
    (
        "IAG75",
        [110.349527833, 33.033343837],
        [439233.5981, 3656635.7767],
    ),
    (
        "IAG75",
        [112.368710572, 33.420927115],
        [627304.4424, 3700271.6372],
    ),
    (
        "IAG75",
        [111.302505255, 33.928967990],
        [527970.1862, 3755825.4120],
    ),
];

fn fixture(name: &str) -> String {
    let p = format!("{}/tests/fixtures/crs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// The transverse Mercator grids of the reference table that are not EPSG codes we support.
fn reference_tm(key: &str) -> TransverseMercator {
    let p = |lon0, lat0, k0, fe, fnn, ellipsoid| TmParams {
        lon0,
        lat0,
        k0,
        false_easting: fe,
        false_northing: fnn,
        ellipsoid,
        unit_m: 1.0,
    };
    TransverseMercator::new(match key {
        "KRASS" => p(117.0, 10.0, 0.9999, 3e5, -2e5, Ellipsoid::KRASOVSKY_1940),
        "INTL" => p(9.0, 0.0, 0.9996, 5e5, 0.0, Ellipsoid::INTERNATIONAL_1924),
        "IAG75" => p(111.0, 0.0, 1.0, 5e5, 0.0, Ellipsoid::IAG_1975),
        k => panic!("unknown reference key {k}"),
    })
}

fn reference_crs(key: &str) -> Crs {
    match key {
        "EPSG:2236" => Crs::from_wkt(&fixture("epsg2236_ftus_wkt1.wkt")).unwrap(),
        k => Crs::parse(k).unwrap(),
    }
}

/// Forward and inverse agree with PROJ to 1 mm and 1e-9° on every reference point: the EPSG
/// tables (3879, 3067, GK19/31FIN, CGCS2000 6° and 3° zones with and without zone prefix,
/// UTM north and south, ETRS89 UTM, Web Mercator, a US-feet grid read from WKT) and the
/// generalised projection on the Krasovsky, International 1924 and IAG 1975 ellipsoids with a
/// latitude of origin and false northing.
#[test]
fn matches_proj_reference_points() {
    let mut worst = 0.0f64;
    for &(key, ll, xy) in PROJ_REFERENCE {
        let (fwd, inv) = if key.starts_with("EPSG:") {
            let c = reference_crs(key);
            (c.from_wgs84(ll), c.to_wgs84(xy))
        } else {
            let t = reference_tm(key);
            (t.forward(ll), t.inverse(xy))
        };
        let d = (fwd[0] - xy[0]).abs().max((fwd[1] - xy[1]).abs());
        worst = worst.max(d);
        assert!(d < 1e-3, "{key} {ll:?}: {fwd:?} vs PROJ {xy:?}");
        assert!(
            // The reference rounds x/y to 0.1 mm and lon/lat to 1e-9°.
            (inv[0] - ll[0]).abs() < 3e-9 && (inv[1] - ll[1]).abs() < 3e-9,
            "{key} {xy:?}: {inv:?} vs {ll:?}"
        );
    }
    assert!(PROJ_REFERENCE.len() > 100);
    assert!(worst < 1e-3, "worst {worst} m");
}

/// Seeded forward/inverse round trips over each grid's zone (±3° of the central meridian,
/// 20–70° latitude on each side as applicable) are sub-millimetre.
#[test]
fn tm_round_trips() {
    let mut s = 0x00C0_FFEE_u64;
    let mut r = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    for (code, lon0, lat0) in [
        (3879, 25.0, 60.0),
        (3067, 27.0, 64.0),
        (4547, 114.0, 30.0),
        (4491, 75.0, 40.0),
        (4527, 117.0, 39.0),
        (32650, 117.0, 30.0),
        (32733, 15.0, -25.0),
        (25835, 27.0, 55.0),
    ] {
        let c = Crs::from_epsg(code).unwrap();
        for _ in 0..2000 {
            let ll = [lon0 + (r() - 0.5) * 6.0, lat0 + (r() - 0.5) * 20.0];
            let xy = c.from_wgs84(ll);
            let back = c.to_wgs84(xy);
            assert!(
                (back[0] - ll[0]).abs() < 1e-9 && (back[1] - ll[1]).abs() < 1e-9,
                "EPSG:{code} {ll:?} -> {xy:?} -> {back:?}"
            );
            let again = c.from_wgs84(back);
            assert!((again[0] - xy[0]).abs() < 1e-4 && (again[1] - xy[1]).abs() < 1e-4);
        }
    }
}

#[test]
fn web_mercator_published_points() {
    // hujiulong/gcoord test/unit/crs/WGS84.spec.ts: WGS84 [123, 45] -> EPSG:3857.
    let c = Crs::parse("EPSG:3857").unwrap();
    let xy = c.from_wgs84([123.0, 45.0]);
    assert!((xy[0] - 13692297.367572648).abs() < 1e-5, "{xy:?}");
    assert!((xy[1] - 5621521.486192066).abs() < 1e-5, "{xy:?}");
    let ll = c.to_wgs84(xy);
    assert!((ll[0] - 123.0).abs() < 1e-12 && (ll[1] - 45.0).abs() < 1e-12);
    assert!(!c.is_geographic() && !c.is_wgs84_lonlat());
}

/// The Helsinki Shapefile's .prj (ESRI WKT1, no EPSG code) is read from its parameters and
/// equals EPSG:3879; the GeoPackages' definitions (OGC WKT1 with codes) give 3879 and 3067.
#[test]
fn helsinki_definitions() {
    let prj = Crs::from_wkt(&fixture("gk25fin_esri.prj")).unwrap();
    assert_eq!(prj.epsg(), None);
    assert_eq!(
        prj.label(),
        "ETRS89_ETRS_GK25FIN_2010: Transverse Mercator, central meridian 25°, k 1, \
         false easting 25 500 000 m (ETRS89, GRS 1980)"
    );
    let gpkg = Crs::from_wkt(&fixture("epsg3879_gpkg.wkt")).unwrap();
    assert_eq!(gpkg.epsg(), Some(3879));
    assert_eq!(gpkg.label(), "EPSG:3879 (ETRS89 / GK25FIN)");
    let code = Crs::from_epsg(3879).unwrap();
    assert_eq!(code.label(), "EPSG:3879 (ETRS89 / GK25FIN)");
    let tm35 = Crs::from_wkt(&fixture("epsg3067_gpkg.wkt")).unwrap();
    assert_eq!(tm35.label(), "EPSG:3067 (ETRS89 / TM35FIN(E,N))");
    for xy in [[25_496_000.0, 6_672_000.0], [25_510_000.0, 6_690_000.0]] {
        let a = prj.to_wgs84(xy);
        for other in [&gpkg, &code] {
            let b = other.to_wgs84(xy);
            assert!((a[0] - b[0]).abs() < 1e-12 && (a[1] - b[1]).abs() < 1e-12);
        }
        // 3879 -> WGS 84 -> 3067 -> WGS 84 is consistent.
        let t = tm35.from_wgs84(a);
        let c = tm35.to_wgs84(t);
        assert!((a[0] - c[0]).abs() < 1e-10 && (a[1] - c[1]).abs() < 1e-10);
    }
}

/// CGCS2000 definitions in the three dialects agree with EPSG:4547; geographic ones are
/// lon/lat identity.
#[test]
fn cgcs2000_and_other_dialects() {
    let code = Crs::from_epsg(4547).unwrap();
    assert_eq!(
        code.label(),
        "EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E)"
    );
    let wkt2 = Crs::from_wkt(&fixture("epsg4547_wkt2.wkt")).unwrap();
    assert_eq!(wkt2.epsg(), Some(4547));
    let esri = Crs::from_wkt(&fixture("epsg4547_esri.prj")).unwrap();
    assert!(
        esri.label().contains("central meridian 114°"),
        "{}",
        esri.label()
    );
    assert!(esri.label().contains("CGCS2000"), "{}", esri.label());
    for ll in [[114.3, 30.6], [112.8, 29.0]] {
        let a = code.from_wgs84(ll);
        for o in [&wkt2, &esri] {
            let b = o.from_wgs84(ll);
            assert!((a[0] - b[0]).abs() < 1e-6 && (a[1] - b[1]).abs() < 1e-6);
        }
    }
    let utm = Crs::from_wkt(&fixture("epsg32650_wkt2.wkt")).unwrap();
    assert_eq!(utm.epsg(), Some(32650));
    let c = Crs::from_epsg(32650).unwrap();
    let ll = [117.2, 31.8];
    assert!((utm.from_wgs84(ll)[0] - c.from_wgs84(ll)[0]).abs() < 1e-6);
    for (f, datum) in [
        ("epsg4490_esri.prj", "CGCS2000"),
        ("epsg4326_wkt2.wkt", "WGS 84"),
    ] {
        let g = Crs::from_wkt(&fixture(f)).unwrap();
        assert!(g.is_wgs84_lonlat() && g.is_geographic(), "{f}");
        assert_eq!(g.kind, Kind::LonLat(datum.into()), "{f}");
        assert_eq!(g.to_wgs84([114.3, 30.6]), [114.3, 30.6]);
    }
    for f in ["epsg3857_wkt1.wkt", "epsg3857_esri.prj"] {
        let w = Crs::from_wkt(&fixture(f)).unwrap();
        assert_eq!(w.kind, Kind::WebMercator, "{f}");
        assert_eq!(w.epsg(), Some(3857), "{f}");
    }
    // A US-feet grid: parameters converted to metres, coordinates in feet.
    let ft = Crs::from_wkt(&fixture("epsg2236_ftus_wkt1.wkt")).unwrap();
    assert_eq!(ft.label(), "EPSG:2236 (NAD83 / Florida East (ftUS))");
    assert!(
        matches!(&ft.kind, Kind::Tm(t, d) if d == "North_American_Datum_1983, treated as WGS 84"
            && (t.params().unit_m - 0.304800609601219).abs() < 1e-15),
        "{:?}",
        ft.kind
    );
}

/// Beijing 1954 / Xi'an 1980 are refused with the explanation, in WKT and as codes, across
/// every EPSG range; unknown projections and datums are errors naming the problem.
#[test]
fn refusals() {
    for f in ["epsg2435_beijing54_esri.prj", "epsg4610_xian80_wkt1.wkt"] {
        let e = Crs::from_wkt(&fixture(f)).unwrap_err();
        assert!(e.contains("Beijing 1954 or Xi'an 1980"), "{f}: {e}");
        assert!(e.contains("local transformation parameters"), "{f}: {e}");
    }
    for code in [
        4214, 4610, 4555, 2327, 2348, 2390, 2401, 2442, 21413, 21423, 21453, 21463, 21473, 21483,
        4568, 4589, 4652, 4766, 4800, 4812, 4822,
    ] {
        let e = Crs::parse(&format!("EPSG:{code}")).unwrap_err();
        assert!(e.contains("Beijing 1954 or Xi'an 1980"), "{code}: {e}");
    }
    // The neighbours of the ranges are not refused as Beijing/Xi'an.
    for code in [2326, 2391, 2400, 2443, 21412, 21424] {
        let e = Crs::from_epsg(code).unwrap_err();
        assert!(
            e.contains("not supported") && !e.contains("Beijing"),
            "{code}: {e}"
        );
    }
    let lcc = Crs::from_wkt(&fixture("epsg2263_lcc_wkt1.wkt")).unwrap_err();
    assert!(lcc.contains("Lambert_Conformal_Conic_2SP"), "{lcc}");
    let ed50 = r#"GEOGCS["ED50",DATUM["European_Datum_1950",SPHEROID["International 1924",6378388,297]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]"#;
    let e = Crs::from_wkt(ed50).unwrap_err();
    assert!(
        e.contains("International 1924") && e.contains("not supported"),
        "{e}"
    );
    let e = Crs::parse("EPSG:9999999").unwrap_err();
    assert!(e.contains("EPSG:4490") && e.contains("GCJ-02"), "{e}");
    let e = Crs::parse("mars-grid").unwrap_err();
    assert!(e.contains("unknown coordinate system 'mars-grid'"), "{e}");
    assert!(Crs::from_wkt("PROJCS[").is_err());
    assert!(Crs::from_wkt("").is_err());
}

/// Every spelling the plan file may use.
#[test]
fn parse_spellings() {
    let wgs = Crs::wgs84();
    for s in [
        "EPSG:4326",
        "epsg:4326",
        "WGS84",
        "wgs 84",
        "WGS-84",
        "4326",
        "urn:ogc:def:crs:EPSG::4326",
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "CRS84",
    ] {
        assert_eq!(Crs::parse(s).unwrap(), wgs, "{s}");
    }
    for s in ["CGCS2000", "epsg:4490", "EPSG:4490"] {
        let c = Crs::parse(s).unwrap();
        assert!(c.is_wgs84_lonlat(), "{s}");
        assert_eq!(c.epsg(), Some(4490), "{s}");
    }
    for s in ["GCJ-02", "GCJ02", "gcj02", "gcj_02"] {
        let c = Crs::parse(s).unwrap();
        assert_eq!(c, Crs::gcj02(), "{s}");
        assert!(c.is_geographic() && !c.is_wgs84_lonlat());
    }
    for s in ["BD-09", "BD09", "bd09"] {
        assert_eq!(Crs::parse(s).unwrap(), Crs::bd09(), "{s}");
    }
    assert!(Crs::parse("EPSG:4258").unwrap().is_wgs84_lonlat());
    assert_eq!(Crs::parse("EPSG:900913").unwrap(), Crs::web_mercator());
    assert!(Crs::parse("BD-09MC")
        .unwrap_err()
        .contains("Baidu Mercator"));
    // A WKT definition is accepted as a plan value too.
    let prj = fixture("gk25fin_esri.prj");
    assert_eq!(Crs::parse(&prj).unwrap(), Crs::from_wkt(&prj).unwrap());
    // All 64 CGCS2000 Gauss–Krüger codes and all 120 UTM codes exist, named as EPSG names them.
    for code in 4491..=4554 {
        let c = Crs::from_epsg(code).unwrap();
        assert!(
            c.label().starts_with(&format!("EPSG:{code} (CGCS2000 / ")),
            "{}",
            c.label()
        );
    }
    for code in (32601..=32660)
        .chain(32701..=32760)
        .chain(25828..=25838)
        .chain(3873..=3885)
    {
        assert!(Crs::from_epsg(code).is_ok(), "{code}");
    }
    assert_eq!(
        Crs::from_epsg(4500).unwrap().label(),
        "EPSG:4500 (CGCS2000 / Gauss-Kruger zone 22)"
    );
    assert_eq!(
        Crs::from_epsg(4512).unwrap().label(),
        "EPSG:4512 (CGCS2000 / Gauss-Kruger CM 135E)"
    );
    assert_eq!(
        Crs::from_epsg(32733).unwrap().label(),
        "EPSG:32733 (WGS 84 / UTM zone 33S)"
    );
}

#[test]
fn labels_without_codes() {
    assert_eq!(Crs::gcj02().label(), "GCJ-02 (Amap/Tencent lon/lat)");
    let t = Crs::transverse_mercator(
        TmParams {
            lon0: 25.0,
            lat0: 0.0,
            k0: 1.0,
            false_easting: 25_500_000.0,
            false_northing: 0.0,
            ellipsoid: Ellipsoid::GRS80,
            unit_m: 1.0,
        },
        "ETRS89",
    );
    assert_eq!(
        t.label(),
        "Transverse Mercator, central meridian 25°, k 1, false easting 25 500 000 m \
         (ETRS89, GRS 1980)"
    );
    assert_eq!(grouped(-1234.5), "-1 234.5");
    assert_eq!(num(0.9996), "0.9996");
}

/// GCJ-02 / BD-09 through the `Crs` interface.
#[test]
fn chinese_offsets_through_crs() {
    let p = [116.377817, 39.911954];
    for c in [Crs::gcj02(), Crs::bd09()] {
        let q = c.from_wgs84(p);
        assert!((q[0] - p[0]).abs() > 1e-3);
        let back = c.to_wgs84(q);
        assert!((back[0] - p[0]).abs() < 1e-9 && (back[1] - p[1]).abs() < 1e-9);
    }
}
