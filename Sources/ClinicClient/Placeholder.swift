import CCurl
import ClinicAPI
